//! Benchmark-only package; see benches/gemm.rs.
