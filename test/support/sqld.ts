// The real libSQL server helper lives in src/lab/bench/sqld-process.ts, because the benchmark command ships it;
// tests keep importing it from here.
export * from '../../src/lab/bench/sqld-process';
