await fetch(`${BASE_URL}/spaces/my-space-id`, {
method: "DELETE",
headers: { Authorization: `Bearer ${API_KEY}` },
});
