curl -X POST https://backend.persistmemory.com/mcp/addMemory \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY" \
-H "Content-Type: application/json" \
-d '{
"space": "preferences",
"title": "Editor preferences",
"text": "User prefers dark mode and Vim keybindings in all editors."
}'
