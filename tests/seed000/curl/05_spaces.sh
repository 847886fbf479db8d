# Store to different spaces
curl -X POST https://backend.persistmemory.com/mcp/addMemory \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY" \
-H "Content-Type: application/json" \
-d '{"space": "project-alpha", "title": "CI/CD", "text": "Deploy pipeline uses GitHub Actions"}'
curl -X POST https://backend.persistmemory.com/mcp/addMemory \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY" \
-H "Content-Type: application/json" \
-d '{"space": "project-beta", "title": "CI/CD", "text": "Deploy pipeline uses GitLab CI"}'
# Searching project-alpha only returns GitHub Actions memory
curl -X POST https://backend.persistmemory.com/mcp/search \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY" \
-H "Content-Type: application/json" \
-d '{"space": "project-alpha", "q": "deployment pipeline", "top_k": 5}'
