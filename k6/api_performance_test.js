// The seed's k6 load test against plugin-host (or any of the seed's servers).
//
//   k6 run k6/api_performance_test.js
//   k6 run -e VUS=50 -e DURATION=30s -e BASE_URL=http://127.0.0.1:8991 k6/api_performance_test.js
//   k6 run -e PATH_PREFIX=/performance-test k6/api_performance_test.js   # the seed's .NET paths
//
// Each virtual user posts the seed's three requests in parallel (http.batch), checks that
// every answer is 200, then sleeps 1 s. With the repository's 2 s that is 3 requests per
// 3 s per user: N users can complete at most N requests per second.
//
// The run fails (k6 exits 99) when any request fails or any check does not pass.
//
// The script imports only k6's own modules, so it starts on a machine without internet
// access. At the end k6 prints its usual text summary; the whole summary is written as JSON
// where --summary-export=FILE (or K6_SUMMARY_EXPORT=FILE) says:
//
//   k6 run --summary-export=k6-summary.json k6/api_performance_test.js
//
// Why not handleSummary: defining it replaces k6's text summary, and k6 v0.46 gives a
// script no text formatter of its own; the one there is (k6-summary) is imported by URL,
// which fails without internet access (exit 107 before any request).

import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8991').replace(/\/+$/, '');
const PATH_PREFIX = (__ENV.PATH_PREFIX || '').replace(/\/+$/, '');
const SEQUENCES = ['first', 'second', 'third'];

/** @type {import('k6/options').Options} */
export const options = {
    vus: Number(__ENV.VUS || 500),
    duration: __ENV.DURATION || '5m',
    thresholds: {
        // Any failed request (non-2xx/3xx, timeout, connection error) fails the run.
        http_req_failed: ['rate==0'],
        checks: ['rate==1'],
    },
};

/** @type {import('k6/http').Params} */
const params = {
    headers: { 'Content-Type': 'application/json' },
    timeout: '120s',
};

/**
 * The seed's request for one endpoint.
 * @param {string} sequence first, second or third
 * @returns {import('k6/http').ObjectBatchRequest}
 */
function seedRequest(sequence) {
    return {
        method: 'POST',
        url: `${BASE_URL}${PATH_PREFIX}/${sequence}`,
        body: JSON.stringify({ info: { sequence } }),
        params,
    };
}

const requests = SEQUENCES.map(seedRequest);

export default function () {
    const responses = http.batch(requests);
    for (const response of responses) {
        check(response, { 'status was 200': (r) => r.status === 200 });
    }
    sleep(1);
}
