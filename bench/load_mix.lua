-- wrk script: POST /v1/comments with a realistic mix of clean, abusive, spam and invalid
-- submissions, each from one of many reader IPs.
local bodies = {
  clean = {
    "Thanks for the careful reporting on the council budget; the figures help a lot.",
    "I disagree with the minister, but the article explains both sides fairly.",
    "The court ruling seems right to me. The evidence was never strong enough.",
    "Does anyone know when the new bus timetable starts? The article does not say.",
    "Пожизненное для главаря ячейки справедливо, но суд должен был быть открытым.",
    "Спасибо автору, наконец-то подробно написали про цены на газ в регионах.",
  },
  abusive = {
    "You are a worthless idiot and everyone here hates you, shut up.",
    "People like you should be thrown out of the country, disgusting vermin.",
    "Автор статьи тупой идиот и урод, пошёл вон отсюда.",
  },
  spam = {
    "Make $5000 a week from home!!! Visit http://cash.example http://win.example http://free.example",
    "Best crypto signals, join now at http://pump.example and double your money today",
  },
}
local kinds = {"clean", "clean", "clean", "clean", "clean", "clean", "abusive", "spam", "invalid", "clean"}
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")

local function quote(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

request = function()
  counter = counter + 1
  local kind = kinds[(counter % #kinds) + 1]
  local ip = string.format("198.%d.%d.%d", counter % 200, math.floor(counter / 200) % 250, math.random(1, 250))
  local body
  if kind == "invalid" then
    body = '{"thread": "a1", "name": "", "email": "not-an-email"}'
  else
    local list = bodies[kind]
    local text = list[(counter % #list) + 1] .. " #" .. counter
    body = '{"thread": "article-' .. (counter % 50) .. '", "name": "Reader ' .. counter ..
      '", "email": "reader' .. counter .. '@example.org", "body": ' .. quote(text) ..
      ', "ip": "' .. ip .. '"}'
  end
  return wrk.format(nil, "/v1/comments", nil, body)
end
