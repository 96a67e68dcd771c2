// Which benchmarks do the most papers evaluate on?
// param limit: int = 10 (1..100000) -- how many datasets to list
// columns: name, papers, id
// example: {"limit": 10}
// :params {limit: 10}
MATCH (p:Paper)-[:EVALUATES_ON]->(d:Dataset)
WITH d, count(DISTINCT p) AS papers
RETURN d.name AS name, papers, d.id AS id
ORDER BY papers DESC, name, id
LIMIT toInteger($limit)
