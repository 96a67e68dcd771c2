// Which benchmarks are evaluated together in the same papers?
// param limit: int = 20 (1..100000) -- how many pairs to list
// example: {"limit": 20}
// :param limit => 20
MATCH (p:Paper)-[:EVALUATES_ON]->(a:Dataset), (p)-[:EVALUATES_ON]->(b:Dataset)
WHERE a.id < b.id
WITH a, b, count(DISTINCT p) AS papers
RETURN a.id AS dataset_a, a.name AS name_a, b.id AS dataset_b, b.name AS name_b, papers
ORDER BY papers DESC, dataset_a, dataset_b
LIMIT $limit
