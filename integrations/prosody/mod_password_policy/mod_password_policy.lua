-- mod_password_policy: a minimal password policy for Prosody 0.12.
--
-- prosody-modules' mod_invites_register_web (the web sign-up page for invites) depends on a
-- module of this name, which Debian's prosody-modules does not ship. This one offers the same
-- interface (get_policy(), check_password(password, { username = ... })) and enforces the policy
-- on in-band registration (XEP-0077) as well, so web and app sign-ups follow the same rules.
--
--   password_policy = { length = 8; exclude_username = true }   -- the defaults

local st = require "util.stanza";

local policy = module:get_option("password_policy", {});
local options = {
	length = type(policy.length) == "number" and policy.length or 8;
	exclude_username = policy.exclude_username ~= false;
};

-- The policy, as mod_invites_register_web shows it (password_policy.length in its form).
function get_policy() --luacheck: ignore 131/get_policy
	return options;
end

-- (true) or (nil, a message a person can read, the rule broken)
function check_password(password, additional_info) --luacheck: ignore 131/check_password
	if type(password) ~= "string" or password == "" then
		return nil, "Please choose a password", "no-password";
	end
	local characters = select(2, password:gsub("[^\128-\191]", "")); -- UTF-8: bytes that start a character
	if characters < options.length then
		return nil, ("The password must be at least %d characters long"):format(options.length), "length";
	end
	local username = additional_info and additional_info.username;
	if options.exclude_username and type(username) == "string" and username ~= ""
	and password:lower():find(username:lower(), 1, true) then
		return nil, "The password must not contain the username", "username";
	end
	return true;
end

-- In-band registration and password change: refuse a password against the policy before any
-- other module (e.g. mod_invites holding an invite's use) acts on the request.
module:hook("stanza/iq/jabber:iq:register:query", function (event)
	local origin, stanza = event.origin, event.stanza;
	if stanza.attr.type ~= "set" then return; end
	local query = stanza.tags[1];
	local password = query:get_child_text("password");
	local form = query:get_child("x", "jabber:x:data");
	if not password and form then
		for _, field in ipairs(form.tags) do
			if field.attr.var == "password" then password = field:get_child_text("value"); end
		end
	end
	if not password then return; end -- e.g. <remove/>: not ours to judge
	local username = origin.username or query:get_child_text("username");
	local ok, err = check_password(password, { username = username });
	if not ok then
		origin.send(st.error_reply(stanza, "modify", "not-acceptable", err));
		return true;
	end
end, 20);
