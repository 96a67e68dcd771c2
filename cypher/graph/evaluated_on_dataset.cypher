// The graph of evaluated_on_dataset: the methods and models with their EVALUATED_ON edges to the dataset.
MATCH (d:Dataset)
WHERE kg.entity_named(d, $name)
MATCH path = (m:Entity)-[e:EVALUATED_ON]->(d)
WHERE m:Model OR m:Method
RETURN path
ORDER BY d.id, e.support DESC, m.name, m.id
LIMIT toInteger($limit)
