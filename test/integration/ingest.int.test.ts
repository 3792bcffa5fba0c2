import { ingestSuite } from './ingest-suite.ts';

// The same suite through CLICKHOUSE_URL: ingest-server.int.test.ts.
ingestSuite('embedded');
