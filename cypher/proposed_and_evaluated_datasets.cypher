// Which papers propose a dataset and evaluate on it themselves?
// param limit: int = 50 (1..100000) -- how many rows
// example: {"limit": 50}
// :param limit => 50
MATCH (p:Paper)-[:PROPOSES]->(d:Dataset)
MATCH (p)-[:EVALUATES_ON]->(d)
RETURN p.id AS paper, p.title AS title, d.id AS id, d.name AS name
ORDER BY paper, id
LIMIT $limit
