# Python example — store a memory with descriptive title
requests.post(
f"{BASE_URL}/mcp/addMemory",
headers={
"Authorization": f"Bearer {API_KEY}",
"Content-Type": "application/json",
},
json={
"space": "support-tickets",
"title": "Safari 17 login failure — SameSite cookie fix",
"text": "Customer reported login failures on Safari 17. "
"Root cause was SameSite cookie policy change. "
"Ticket SUP-4521, severity high, resolved. "
"Tags: auth, cookies, safari.",
},
)
