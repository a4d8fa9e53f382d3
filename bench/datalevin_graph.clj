;; `datolite bench graph` on Datalevin 1.2.8: the same data and queries, exported by
;; `datolite bench graph --people N --export DIR`. Prints `name<TAB>ms<TAB>rows` per query (the
;; median of at least 5 runs and 1.5 s after 0.5 s of warm-up), which `bench graph --peer FILE`
;; shows beside datolite's. Datalevin's query cache is off, so every run computes its answer.
;; Usage (see ../shared/peers/setup, and bench/graph_vs_datalevin.sh):
;;   java -cp datalevin-runtime.jar clojure.main bench/datalevin_graph.clj DIR DBDIR > DIR/datalevin.tsv
(require '[datalevin.core :as d] '[datalevin.query :as dq] '[clojure.edn :as edn])
(alter-var-root #'dq/*cache?* (constantly false))
(def dir (first *command-line-args*))
(def schema {:id {:db/valueType :db.type/long :db/unique :db.unique/identity}
             :name {:db/valueType :db.type/string} :last-name {:db/valueType :db.type/string}
             :sex {:db/valueType :db.type/keyword} :age {:db/valueType :db.type/long}
             :salary {:db/valueType :db.type/long}
             :follows {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}})
(defn now [] (/ (System/nanoTime) 1e6))
(defn rows [r] (cond (nil? r) 0 (coll? r) (count r) :else 1))
(defn bench [f]
  (let [t0 (now)] (f) (while (< (- (now) t0) 500) (f)))
  (let [end (+ (now) 1500)
        runs (loop [rs []] (if (or (and (>= (now) end) (>= (count rs) 5)) (> (reduce + 0 rs) 60000)) rs
                             (let [t (now)] (f) (recur (conj rs (- (now) t))))))
        s (vec (sort runs))]
    (nth s (quot (count s) 2))))
(def conn (d/get-conn (second *command-line-args*) schema {:kv-opts {:flags #{:nordahead :writemap :nosync}}}))
(d/transact! conn (edn/read-string (slurp (str dir "/graph.edn"))))
(def db (d/db conn))
(doseq [[name text rules] (edn/read-string (slurp (str dir "/queries.edn")))]
  (let [q (edn/read-string text)
        f (if rules #(d/q q db rules) #(d/q q db))
        ms (bench f)]
    (println (format "%s\t%.3f\t%d" name ms (rows (f))))
    (flush)))
(d/close conn)
(shutdown-agents)
(System/exit 0)
