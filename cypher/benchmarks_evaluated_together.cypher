// Which benchmarks are evaluated together in the same papers?
// param limit: int = 20 (1..100000) -- how many pairs to list
// columns: benchmark_a, benchmark_b, papers, benchmark_a_id, benchmark_b_id
// example: {"limit": 20}
// :params {limit: 20}
MATCH (p:Paper)-[:EVALUATES_ON]->(a:Dataset), (p)-[:EVALUATES_ON]->(b:Dataset)
WHERE a.id < b.id
WITH a, b, count(DISTINCT p) AS papers
RETURN a.name AS benchmark_a, b.name AS benchmark_b, papers, a.id AS benchmark_a_id, b.id AS benchmark_b_id
ORDER BY papers DESC, benchmark_a_id, benchmark_b_id
LIMIT toInteger($limit)
