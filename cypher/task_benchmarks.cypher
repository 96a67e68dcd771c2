// Which benchmarks do papers addressing a task evaluate on?
// param name: string -- the task's id, name or alias (case-insensitive)
// param limit: int = 25 (1..100000) -- how many datasets to list
// columns: task, name, papers, task_id, id
// example: {"name": "transfer learning", "limit": 25}
// :params {name: 'transfer learning', limit: 25}
MATCH (t:Task)
WHERE kg.entity_named(t, $name)
MATCH (p:Paper)-[:ADDRESSES]->(t)
MATCH (p)-[:EVALUATES_ON]->(d:Dataset)
WITH t, d, count(DISTINCT p) AS papers
RETURN t.name AS task, d.name AS name, papers, t.id AS task_id, d.id AS id
ORDER BY task_id, papers DESC, name, id
LIMIT toInteger($limit)
