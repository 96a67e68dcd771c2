// Which datasets are used by one paper only (the long tail)?
// param limit: int = 50 (1..100000) -- how many datasets to list
// columns: name, relations, title, year, url, id, paper_id
// example: {"limit": 50}
// :params {limit: 50}
MATCH (d:Dataset)
WHERE d.paper_count = 1
MATCH (p:Paper)-[r]->(d)
WITH d, p, r
ORDER BY type(r)
WITH d, p, collect(type(r)) AS relations
RETURN d.name AS name, relations, p.title AS title, p.year AS year, p.url AS url, d.id AS id, p.id AS paper_id
ORDER BY name, id
LIMIT toInteger($limit)
