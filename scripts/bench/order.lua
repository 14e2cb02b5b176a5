-- wrk script: POST /v1/orders, one unit of the SKU in $SKU, as the
-- customer whose token is in $TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"customer_id":42,"items":[{"sku":"' .. os.getenv("SKU") .. '","quantity":1}],'
  .. '"shipping_address":{"name":"Ada Lovelace","line1":"Keizersgracht 1","city":"Amsterdam",'
  .. '"postal_code":"1015 CJ","country":"NL"}}'

done = function(summary, latency)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  failed %d of %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed, summary.requests))
end
