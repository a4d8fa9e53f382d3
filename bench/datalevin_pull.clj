;; Pull on Datalevin 1.2.8, beside `datolite bench people` (pull_all, pull_q), with the same
;; people data. pull-q is also run with the name varying from run to run (the eight names of the
;; data set in turn), so that no cache can answer a repeated query: the `d/q` of the shared
;; datalevin_bench.clj runs faster than q1, its own where clause, which only a cache explains.
;; Usage (see ../shared/peers/setup):
;;   java -cp datalevin-runtime.jar clojure.main bench/datalevin_pull.clj people-tempids.edn DIR
(require '[datalevin.core :as d] '[datalevin.query :as dq] '[clojure.edn :as edn])
(alter-var-root #'dq/*cache?* (constantly false))
(def people (edn/read-string (slurp (first *command-line-args*))))
(def schema {:name {:db/valueType :db.type/string} :last-name {:db/valueType :db.type/string}
             :sex {:db/valueType :db.type/keyword} :age {:db/valueType :db.type/long}
             :salary {:db/valueType :db.type/long}})
(defn now [] (/ (System/nanoTime) 1e6))
(defn bench [name f]
  (let [t0 (now)] (while (< (- (now) t0) 500) (f)))
  (let [end (+ (now) 1500)
        runs (loop [rs []] (if (and (>= (now) end) (>= (count rs) 5)) rs
                             (let [t (now)] (f) (recur (conj rs (- (now) t))))))
        s (vec (sort runs))]
    (println (format "%s\t%.3f ms\t(%d runs)" name (nth s (quot (count s) 2)) (count s)))))
(def conn (d/get-conn (second *command-line-args*) schema {:kv-opts {:flags #{:nordahead :writemap :nosync}}}))
(d/transact! conn people)
(def db (d/db conn))
(let [eids (mapv :e (d/datoms db :ave :name))]
  (bench (str "pull-all (" (count (d/pull-many db '[*] eids)) " maps)") #(d/pull-many db '[*] eids)))
(let [q '[:find (pull ?e [:name :age]) :where [?e :name "Ivan"]]]
  (bench (str "pull-q (" (count (d/q q db)) " rows)") #(d/q q db)))
(def names ["Ivan" "Petr" "Sergei" "Oleg" "Yuri" "Dmitry" "Fedor" "Denis"])
(def i (atom 0))
(let [q '[:find (pull ?e [:name :age]) :in $ ?n :where [?e :name ?n]]]
  (bench "pull-q, the name varying" #(d/q q db (names (mod (swap! i inc) 8)))))
(let [q '[:find ?e :in $ ?n :where [?e :name ?n]]]
  (bench "q1, the name varying" #(d/q q db (names (mod (swap! i inc) 8)))))
(let [q '[:find ?e :where [?e :name "Ivan"]]]
  (bench "q1" #(d/q q db)))
(d/close conn)
(shutdown-agents)
(System/exit 0)
