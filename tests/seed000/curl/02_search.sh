curl -X POST https://backend.persistmemory.com/mcp/search \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY" \
-H "Content-Type: application/json" \
-d '{"space": "preferences", "q": "What are the user\'s editor preferences?", "top_k": 5}'
