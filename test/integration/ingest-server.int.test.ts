import { ingestSuite } from './ingest-suite.ts';

// driftwatch's server path (CLICKHOUSE_URL, @clickhouse/client over HTTP) against the test endpoint
// over the real engine (test/helpers/chdb-http-server.ts); the embedded run: ingest.int.test.ts.
ingestSuite('server');
