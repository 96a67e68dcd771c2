// Which models do the most papers build on?
// param limit: int = 10 (1..100000) -- how many models to list
// columns: name, papers, successors, id
// example: {"limit": 10}
// :params {limit: 10}
MATCH (p:Paper)-[:BUILDS_ON]->(m:Model)
WITH m, count(DISTINCT p) AS papers
RETURN m.name AS name, papers,
       COUNT { (d:Entity)-[:BUILDS_ON]->(m) } AS successors, m.id AS id
ORDER BY papers DESC, name, id
LIMIT toInteger($limit)
