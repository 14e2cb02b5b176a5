-- wrk script: POST /v1/inventory/check with 20 lines of two units each,
-- the SKUs the criterion bench checks (BEN-00097, BEN-00194, ...).
local lines = {}
for i = 1, 20 do
  lines[i] = string.format('{"sku":"BEN-%05d","quantity":2}', i * 97)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"items":[' .. table.concat(lines, ",") .. ']}'
