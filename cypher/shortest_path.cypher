// How are two entities connected (all shortest paths, up to 6 steps, through papers and entities)?
// param source: string -- the first entity's id, name or alias (case-insensitive)
// param target: string -- the second entity's id, name or alias (case-insensitive)
// param limit: int = 10 (1..100000) -- how many paths to list
// columns: hops, path, relations, path_ids
// example: {"source": "DistilBERT", "target": "GLUE", "limit": 10}
// :params {source: 'DistilBERT', target: 'GLUE', limit: 10}
MATCH (a:Entity)
WHERE kg.entity_named(a, $source)
MATCH (b:Entity)
WHERE kg.entity_named(b, $target) AND a <> b
MATCH p = allShortestPaths((a)-[*..6]-(b))
RETURN length(p) AS hops, [n IN nodes(p) | coalesce(n.name, n.title, n.id)] AS path,
       [i IN range(0, length(p) - 1) |
        CASE WHEN startNode(relationships(p)[i]) = nodes(p)[i]
             THEN type(relationships(p)[i]) + '>' ELSE '<' + type(relationships(p)[i]) END] AS relations,
       [n IN nodes(p) | n.id] AS path_ids
ORDER BY hops, path_ids, relations
LIMIT toInteger($limit)
