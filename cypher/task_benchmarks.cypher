// Which benchmarks do papers addressing a task evaluate on?
// param name: string -- the task's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many datasets to list
// example: {"name": "transfer learning", "limit": 25}
// :params {name: 'transfer learning', limit: 25}
MATCH (t:Task)
WHERE t.id = $name OR toLower(t.name) = toLower($name) OR any(a IN t.aliases WHERE toLower(a) = toLower($name))
MATCH (p:Paper)-[:ADDRESSES]->(t)
MATCH (p)-[:EVALUATES_ON]->(d:Dataset)
WITH t, d, count(DISTINCT p) AS papers
RETURN t.name AS task, d.name AS name, papers, t.id AS task_id, d.id AS id
ORDER BY task_id, papers DESC, name, id
LIMIT toInteger($limit)
