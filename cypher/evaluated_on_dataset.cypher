// Which methods and models were evaluated on a dataset?
// param name: string -- the dataset's id, name or alias (case-insensitive)
// param limit: int = 50 (1..100000) -- how many rows
// example: {"name": "GLUE", "limit": 50}
// :param name => 'GLUE'
// :param limit => 50
MATCH (d:Dataset)
WHERE d.id = $name OR toLower(d.name) = toLower($name) OR any(a IN d.aliases WHERE toLower(a) = toLower($name))
MATCH (m:Entity)-[e:EVALUATED_ON]->(d)
WHERE m:Model OR m:Method
RETURN d.id AS dataset, m.id AS id, m.name AS name, m.type AS type, e.support AS papers
ORDER BY dataset, papers DESC, name, id
LIMIT $limit
