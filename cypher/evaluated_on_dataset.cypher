// Which methods and models were evaluated on a dataset?
// param name: string -- the dataset's id, name or alias (case-insensitive)
// param limit: int = 50 (1..100000) -- how many rows
// columns: dataset, name, type, papers, dataset_id, id
// example: {"name": "GLUE", "limit": 50}
// :params {name: 'GLUE', limit: 50}
MATCH (d:Dataset)
WHERE kg.entity_named(d, $name)
MATCH (m:Entity)-[e:EVALUATED_ON]->(d)
WHERE m:Model OR m:Method
RETURN d.name AS dataset, m.name AS name, m.type AS type, e.support AS papers, d.id AS dataset_id, m.id AS id
ORDER BY dataset_id, papers DESC, name, id
LIMIT toInteger($limit)
