// Which benchmarks do papers addressing a task evaluate on?
// param name: string -- the task's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many datasets to list
// example: {"name": "transfer learning", "limit": 25}
// :param name => 'transfer learning'
// :param limit => 25
MATCH (t:Task)
WHERE t.id = $name OR toLower(t.name) = toLower($name) OR any(a IN t.aliases WHERE toLower(a) = toLower($name))
MATCH (p:Paper)-[:ADDRESSES]->(t)
MATCH (p)-[:EVALUATES_ON]->(d:Dataset)
WITH t, d, count(DISTINCT p) AS papers
RETURN t.id AS task, d.id AS id, d.name AS name, papers
ORDER BY task, papers DESC, name, id
LIMIT $limit
