curl "https://backend.persistmemory.com/mcp/fetchMessages?space=preferences&limit=20" \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY"
