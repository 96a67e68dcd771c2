// Which entities of a type (Model, Method, Dataset, Task, Metric) appear in the most papers?
// param type: string -- the entity type: Model, Method, Dataset, Task or Metric
// param limit: int = 25 (1..100000) -- how many entities to list
// columns: name, papers, aliases, id
// example: {"type": "Dataset", "limit": 25}
// :params {type: 'Dataset', limit: 25}
MATCH (e:Entity)
WHERE e.type = $type
RETURN e.name AS name, e.paper_count AS papers, coalesce(e.aliases, []) AS aliases, e.id AS id
ORDER BY papers DESC, name, id
LIMIT toInteger($limit)
