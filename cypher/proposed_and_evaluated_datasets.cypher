// Which papers propose a dataset and evaluate on it themselves?
// param limit: int = 50 (1..100000) -- how many rows
// columns: title, year, name, url, paper_id, id
// example: {"limit": 50}
// :params {limit: 50}
MATCH (p:Paper)-[:PROPOSES]->(d:Dataset)
MATCH (p)-[:EVALUATES_ON]->(d)
RETURN p.title AS title, p.year AS year, d.name AS name, p.url AS url, p.id AS paper_id, d.id AS id
ORDER BY paper_id, id
LIMIT toInteger($limit)
