// Which entities have a name or alias containing these words (full-text search)?
// param text: string -- words to find, as a phrase (case-insensitive; punctuation separates words)
// param limit: int = 20 (1..100000) -- how many entities to list
// example: {"text": "llama", "limit": 20}
// :params {text: 'llama', limit: 20}
WITH reduce(s = toLower($text), c IN ['\\', '"', '+', '-', '!', '(', ')', '{', '}', '[', ']', '^', '~', '*', '?', ':', '/', '&', '|']
            | replace(s, c, '\\' + c)) AS phrase
CALL db.index.fulltext.queryNodes('kg_text', '"' + phrase + '"') YIELD node
WHERE node:Entity
RETURN node.name AS name, node.type AS type, node.paper_count AS papers, coalesce(node.aliases, []) AS aliases, node.id AS id
ORDER BY papers DESC, name, id
LIMIT toInteger($limit)
