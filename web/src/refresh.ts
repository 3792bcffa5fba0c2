/** How often the live pages poll the API (the queue's "live refresh without reloading"). */
export const QUEUE_REFRESH_MS = 15_000;
export const STATUS_REFRESH_MS = 30_000;
