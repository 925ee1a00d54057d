// Types of the one function used from k6's summary library (jslib.k6.io/k6-summary),
// which k6 loads by URL at run time and npm does not carry.
declare module 'https://jslib.k6.io/k6-summary/0.1.0/index.js' {
    export interface TextSummaryOptions {
        indent?: string;
        enableColors?: boolean;
    }
    export function textSummary(data: Record<string, any>, options?: TextSummaryOptions): string;
}
