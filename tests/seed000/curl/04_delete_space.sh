curl -X DELETE https://backend.persistmemory.com/spaces/my-space-id \
-H "Authorization: Bearer $PERSISTMEMORY_API_KEY"
