"""The store's schema: tables, views and their migrations, as SQL (run by synthqa.store)."""

# Each migration is a list of statements; version N is MIGRATIONS[N-1]. Append, never edit.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE problems (
            problem_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, split VARCHAR,
            text VARCHAR NOT NULL, gold_answer VARCHAR, gold_solution VARCHAR,
            level VARCHAR, topic VARCHAR, meta JSON)""",
        """CREATE TABLE generators (
            name VARCHAR PRIMARY KEY, params BIGINT, price_per_token DOUBLE, meta JSON)""",
        """CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY, generator VARCHAR NOT NULL, temperature DOUBLE,
            top_p DOUBLE, samples_per_problem INTEGER, max_tokens INTEGER, n_traces BIGINT,
            tokens BIGINT, flops DOUBLE, created_at TIMESTAMP, meta JSON)""",
        """CREATE TABLE traces (
            trace_id VARCHAR PRIMARY KEY, problem_id VARCHAR NOT NULL, generator VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL, sample_index INTEGER NOT NULL, text VARCHAR NOT NULL,
            answer_raw VARCHAR, answer_method VARCHAR, is_correct BOOLEAN, verifier VARCHAR,
            source_is_correct BOOLEAN, n_tokens INTEGER, tokens_estimated BOOLEAN,
            n_steps INTEGER, first_failed_step INTEGER, error_kind VARCHAR, step_checker VARCHAR,
            import_id VARCHAR, meta JSON)""",
        """CREATE TABLE steps (
            trace_id VARCHAR NOT NULL, step_index INTEGER NOT NULL, text VARCHAR NOT NULL,
            splitter VARCHAR NOT NULL, check_status VARCHAR, check_detail JSON, error_kind VARCHAR,
            PRIMARY KEY (trace_id, step_index))""",
        """CREATE TABLE labels (
            label_id VARCHAR PRIMARY KEY, trace_id VARCHAR NOT NULL, step_index INTEGER,
            kind VARCHAR NOT NULL, value VARCHAR, who VARCHAR NOT NULL, origin VARCHAR NOT NULL,
            labelled_at TIMESTAMP NOT NULL, note VARCHAR)""",
        """CREATE TABLE imports (
            import_id VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, fmt VARCHAR NOT NULL,
            path VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, n_records INTEGER,
            n_traces_new INTEGER, n_errors INTEGER, errors JSON, UNIQUE (sha256, fmt))""",
        """CREATE TABLE metrics_cache (
            key VARCHAR PRIMARY KEY, value JSON, inputs_version VARCHAR, computed_at TIMESTAMP)""",
        # Latest label per (trace, step, kind) wins; the history stays in `labels`.
        """CREATE VIEW labels_latest AS SELECT * FROM labels QUALIFY row_number() OVER (
            PARTITION BY trace_id, step_index, kind ORDER BY labelled_at DESC, label_id DESC) = 1""",
        # A human override of answer correctness wins over the verifier.
        """CREATE VIEW traces_effective AS
            SELECT t.*, coalesce(o.value = 'true', t.is_correct) AS correct,
                   coalesce(coalesce(o.value = 'true', t.is_correct)
                            AND t.first_failed_step IS NOT NULL, false) AS suspect
            FROM traces t LEFT JOIN (
                SELECT trace_id, value FROM labels_latest
                WHERE kind = 'answer_correct' AND step_index IS NULL) o USING (trace_id)""",
    ],
    [
        # Each reviewer's latest label per (trace, step, kind): several reviewers, one history.
        """CREATE VIEW labels_by_reviewer AS SELECT * FROM labels QUALIFY row_number() OVER (
            PARTITION BY trace_id, step_index, kind, who ORDER BY labelled_at DESC, label_id DESC)
            = 1""",
    ],
    [
        # Solution embeddings, one per trace and model, unit length (cosine = dot product).
        """CREATE TABLE embeddings (
            trace_id VARCHAR NOT NULL, model VARCHAR NOT NULL, vector FLOAT[384] NOT NULL,
            PRIMARY KEY (trace_id, model))""",
    ],
    [
        # Monte Carlo values of trace prefixes (prefix_steps = steps taken; 0 = bare problem),
        # the rollouts behind them, and each trace's first pit, per rollout policy and search.
        """CREATE TABLE step_values (
            trace_id VARCHAR NOT NULL, prefix_steps INTEGER NOT NULL, policy VARCHAR NOT NULL,
            mode VARCHAR NOT NULL, k INTEGER NOT NULL, q_mean DOUBLE, q_best DOUBLE,
            verifier VARCHAR, computed_at TIMESTAMP,
            PRIMARY KEY (trace_id, prefix_steps, policy, mode))""",
        """CREATE TABLE rollouts (
            trace_id VARCHAR NOT NULL, prefix_steps INTEGER NOT NULL, policy VARCHAR NOT NULL,
            mode VARCHAR NOT NULL, rollout_index INTEGER NOT NULL, text VARCHAR,
            answer VARCHAR, correct BOOLEAN, n_tokens INTEGER,
            PRIMARY KEY (trace_id, prefix_steps, policy, mode, rollout_index))""",
        """CREATE TABLE pits (
            trace_id VARCHAR NOT NULL, policy VARCHAR NOT NULL, mode VARCHAR NOT NULL,
            pit_step INTEGER, spurious INTEGER[], rollouts_used INTEGER, computed_at TIMESTAMP,
            PRIMARY KEY (trace_id, policy, mode))""",
    ],
    [
        # Every human label is a review: a first-error label is a verdict on the reasoning
        # (-1 / "none" = correct, a step = flawed) exactly like a verdict from the Review page.
        # One verdict per trace and labeller, the latest; at equal times the explicit verdict.
        """CREATE VIEW human_verdicts AS
            SELECT trace_id, who, verdict, kind AS from_kind, labelled_at FROM (
                SELECT trace_id, who, kind, labelled_at, label_id,
                       CASE WHEN kind = 'reasoning' THEN value
                            WHEN value = 'none' THEN 'correct' ELSE 'false_positive' END
                           AS verdict
                FROM labels_by_reviewer WHERE origin = 'human' AND step_index IS NULL
                     AND kind IN ('reasoning', 'first_error_step'))
            QUALIFY row_number() OVER (PARTITION BY trace_id, who
                ORDER BY labelled_at DESC, kind = 'reasoning' DESC, label_id DESC) = 1""",
        # The verdict the FPR counts: the latest of any labeller's.
        """CREATE VIEW trace_verdicts AS SELECT * FROM human_verdicts
            QUALIFY row_number() OVER (PARTITION BY trace_id ORDER BY labelled_at DESC,
                                       who DESC) = 1""",
        # Without a gold answer the source's own answer verdict stands (ProcessBench, PRM800K).
        """CREATE OR REPLACE VIEW traces_effective AS
            SELECT t.*, coalesce(o.value = 'true', t.is_correct, t.source_is_correct) AS correct,
                   coalesce(coalesce(o.value = 'true', t.is_correct, t.source_is_correct)
                            AND t.first_failed_step IS NOT NULL, false) AS suspect
            FROM traces t LEFT JOIN (
                SELECT trace_id, value FROM labels_latest
                WHERE kind = 'answer_correct' AND step_index IS NULL) o USING (trace_id)""",
        # A judge's verdict per trace: P(reasoning flawed) and its predicted first wrong step
        # (NULL = none found), with the judge's version and settings; the latest run wins.
        """CREATE TABLE judge_scores (
            trace_id VARCHAR NOT NULL, judge VARCHAR NOT NULL, version VARCHAR NOT NULL,
            settings JSON, score DOUBLE, first_step INTEGER, votes INTEGER,
            votes_flawed INTEGER, unparsed INTEGER, detail VARCHAR, run_id VARCHAR,
            computed_at TIMESTAMP, PRIMARY KEY (trace_id, judge))""",
    ],
    [
        # Vectors of any length: each embedding model has its own (static 256, MiniLM 384).
        "ALTER TABLE embeddings ALTER vector TYPE FLOAT[]",
    ],
    [
        # Each problem against each test set: 13-gram overlap, the nearest test problem by
        # embedding, near-duplicates inside its own set (synthqa.problem_sets.contamination).
        """CREATE TABLE problem_checks (
            problem_id VARCHAR NOT NULL, test_set VARCHAR NOT NULL, ngram_overlap DOUBLE,
            ngram_match VARCHAR, nn_similarity DOUBLE, nn_match VARCHAR, embedder VARCHAR,
            duplicate_of VARCHAR, contaminated BOOLEAN NOT NULL, checked_at TIMESTAMP,
            PRIMARY KEY (problem_id, test_set))""",
    ],
    [
        # Each trace's reasoning signature and arithmetic operations, from the step checker's
        # equations: written by the import, which finds them anyway, so that the metrics report
        # reads them instead of checking every step again (synthqa.checks.complexity).
        """CREATE TABLE trace_features (
            trace_id VARCHAR PRIMARY KEY, signature VARCHAR NOT NULL, operations INTEGER NOT NULL,
            checker VARCHAR NOT NULL)""",
    ],
    [
        # The traces page pages in import order (row_id: traces are never deleted) and reads
        # traces_auto (the verdicts' correctness, no join) unless a reviewer's answer label can
        # change what a filter selects (synthqa.store.traces).
        """CREATE VIEW traces_auto AS
            SELECT t.rowid AS row_id, t.*,
                   coalesce(t.is_correct, t.source_is_correct) AS correct,
                   coalesce(coalesce(t.is_correct, t.source_is_correct)
                            AND t.first_failed_step IS NOT NULL, false) AS suspect
            FROM traces t""",
        """CREATE OR REPLACE VIEW traces_effective AS
            SELECT a.* REPLACE (coalesce(o.value = 'true', a.correct) AS correct,
                                coalesce(coalesce(o.value = 'true', a.correct)
                                         AND a.first_failed_step IS NOT NULL, false) AS suspect)
            FROM traces_auto a LEFT JOIN (
                SELECT trace_id, value FROM labels_latest
                WHERE kind = 'answer_correct' AND step_index IS NULL) o USING (trace_id)""",
    ],
]

# Columns written by `insert_batch`, in table order; the ingest code builds frames with these.
TABLE_COLUMNS: dict[str, list[str]] = {
    "problems": ["problem_id", "source", "split", "text", "gold_answer", "gold_solution",
                 "level", "topic", "meta"],
    "traces": ["trace_id", "problem_id", "generator", "run_id", "sample_index", "text",
               "answer_raw", "answer_method", "is_correct", "verifier", "source_is_correct",
               "n_tokens", "tokens_estimated", "n_steps", "first_failed_step", "error_kind",
               "step_checker", "import_id", "meta"],
    "steps": ["trace_id", "step_index", "text", "splitter", "check_status", "check_detail",
              "error_kind"],
    "labels": ["label_id", "trace_id", "step_index", "kind", "value", "who", "origin", "labelled_at",
               "note"],
    "trace_features": ["trace_id", "signature", "operations", "checker"],
}


PRIMARY_KEYS = {"problems": "problem_id", "traces": "trace_id", "steps": "trace_id, step_index",
                "labels": "label_id", "trace_features": "trace_id"}
