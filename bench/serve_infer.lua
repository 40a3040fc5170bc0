-- wrk script: POST /v2/models/<model>/infer with binary tensor data
-- (a [batch,1,h,w] FP32 image of 0.5s, binary output asked for).
-- Env: SEGRT_MODEL (membrane), SEGRT_SHAPE (256x256), SEGRT_BATCH (1), SEGRT_TOKEN (optional).
local model = os.getenv("SEGRT_MODEL") or "membrane"
local shape = os.getenv("SEGRT_SHAPE") or "256x256"
local batch = tonumber(os.getenv("SEGRT_BATCH") or "1")
local h, w = shape:match("(%d+)x(%d+)")
h, w = tonumber(h), tonumber(w)
local n = batch * h * w
local raw = string.rep("\0\0\0\63", n)  -- 0.5f little-endian
local head = string.format(
  '{"inputs":[{"name":"image","shape":[%d,1,%d,%d],"datatype":"FP32","parameters":{"binary_data_size":%d}}],' ..
  '"parameters":{"binary_data_output":true}}', batch, h, w, #raw)
wrk.method = "POST"
wrk.path = "/v2/models/" .. model .. "/infer"
wrk.body = head .. raw
wrk.headers["Inference-Header-Content-Length"] = tostring(#head)
wrk.headers["Content-Type"] = "application/octet-stream"
local token = os.getenv("SEGRT_TOKEN")
if token then wrk.headers["Authorization"] = "Bearer " .. token end

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format("segrt-wrk: %d requests in %.1f s: %.1f req/s, %.1f images/s; p50 %.2f ms p99 %.2f ms; non-200 %d\n",
    summary.requests, s, summary.requests / s, summary.requests * batch / s,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
