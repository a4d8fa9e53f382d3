;; `datolite bench people`'s add_all on Datalevin 1.2.8: one transact! of the 20,000 people
;; (100k datoms, string tempids) into a fresh database, warmed up, timing transact! alone (not
;; opening or closing the connection). Default durability. Usage (peers from ../shared/peers/setup):
;;   java -cp datalevin-runtime.jar clojure.main bench/datalevin_add_all.clj people-tempids.edn DIR RUNS
(require '[datalevin.core :as d] '[clojure.edn :as edn])
(let [[file dir runs] *command-line-args*
      runs (Long/parseLong runs)
      people (edn/read-string (slurp file))
      schema {:name {:db/valueType :db.type/string} :last-name {:db/valueType :db.type/string}
              :sex {:db/valueType :db.type/keyword} :age {:db/valueType :db.type/long}
              :salary {:db/valueType :db.type/long}}
      once (fn [i]
             (let [conn (d/get-conn (str dir "/" i) schema)
                   t (System/nanoTime)]
               (d/transact! conn people)
               (let [ms (/ (- (System/nanoTime) t) 1e6)]
                 (d/close conn)
                 ms)))
      _ (dotimes [i 3] (once (str "warm" i)))
      times (sort (mapv once (range runs)))]
  (println (format "datalevin add_all_ms median=%.1f min=%.1f runs=%d" (nth times (quot runs 2)) (first times) runs))
  (shutdown-agents)
  (System/exit 0))
