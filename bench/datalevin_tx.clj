;; `datolite bench tx` on Datalevin 1.2.8: durable one-entity transact! from THREADS threads for
;; SECONDS seconds (default durability). Usage (peers from ../shared/peers/setup):
;;   java -cp datalevin-runtime.jar clojure.main bench/datalevin_tx.clj DBDIR THREADS SECONDS
(require '[datalevin.core :as d])
(let [[dir threads seconds] *command-line-args*
      threads (Long/parseLong threads)
      seconds (Double/parseDouble seconds)
      schema {:event/id {:db/valueType :db.type/long :db/unique :db.unique/identity}
              :event/kind {:db/valueType :db.type/keyword}
              :event/value {:db/valueType :db.type/double}}
      conn (d/get-conn dir schema)
      _ (dotimes [i 200] (d/transact! conn [{:event/id (- -1 i) :event/kind :warm :event/value 0.5}]))
      deadline (+ (System/nanoTime) (long (* seconds 1e9)))
      counts (atom 0)
      lat (atom [])
      start (System/nanoTime)
      futs (doall (for [t (range threads)]
                    (future
                      (loop [i 0 mine []]
                        (if (< (System/nanoTime) deadline)
                          (let [b (System/nanoTime)]
                            (d/transact! conn [{:event/id (bit-or (bit-shift-left t 40) i) :event/kind :click :event/value (+ 0.5 (mod i 100))}])
                            (recur (inc i) (conj mine (/ (- (System/nanoTime) b) 1e6))))
                          (do (swap! counts + i) (swap! lat into mine)))))))]
  (run! deref futs)
  (let [el (/ (- (System/nanoTime) start) 1e9)
        s (vec (sort @lat)) n (count s)]
    (println (format "datalevin threads=%d tx=%d tx_per_sec=%.0f p50_ms=%.3f p99_ms=%.3f" threads n (/ n el) (nth s (quot n 2)) (nth s (int (* 0.99 (dec n))))))
    (d/close conn)
    (shutdown-agents)
    (System/exit 0)))
