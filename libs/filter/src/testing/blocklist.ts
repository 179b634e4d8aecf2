/**
 * A realistic site-wide blocklist for tests and the benchmark: English profanity, sexual
 * terms, insults, slurs and chat spam, the way moderators of a live platform write them
 * (whole words, a few phrases, some spam domains and leetspeak spellings).
 */
export const BLOCKLIST: string[] = [
  // profanity
  'fuck', 'fucker', 'fucking', 'fucked', 'fuckface', 'fuckhead', 'fuckwit', 'motherfucker', 'mofo', 'fck', 'fuk', 'fuq',
  'wtf', 'stfu', 'gtfo', 'shit', 'shithead', 'shitface', 'shitty', 'bullshit', 'horseshit', 'dipshit', 'shite', 'crap',
  'crappy', 'damn', 'goddamn', 'dammit', 'hell', 'bitch', 'bitchy', 'sonofabitch', 'bastard', 'ass', 'asshole',
  'arsehole', 'arse', 'jackass', 'dumbass', 'smartass', 'fatass', 'badass', 'asshat', 'assclown', 'asswipe', 'bollocks',
  'bugger', 'bloody', 'piss', 'pissed', 'pissoff', 'prick', 'wanker', 'wank', 'tosser', 'twat', 'cunt', 'bellend',
  'knobhead', 'knob', 'nob', 'minge', 'git', 'sod off', 'douche', 'douchebag', 'scumbag', 'dickhead', 'dick', 'dickwad',
  'cock', 'cocksucker', 'cockhead', 'dildo', 'jerkoff', 'jerk off', 'butthole', 'butt', 'buttface', 'turd', 'poop',
  'suck my', 'eat shit', 'go to hell', 'kiss my ass', 'piece of shit', 'son of a bitch',
  // sexual
  'sex', 'sexy', 'porn', 'porno', 'pornhub', 'xvideos', 'xxx', 'nude', 'nudes', 'naked', 'boobs', 'boob', 'tits', 'tit',
  'titties', 'nipple', 'nipples', 'penis', 'vagina', 'pussy', 'clit', 'clitoris', 'anal', 'anus', 'blowjob', 'handjob',
  'rimjob', 'cum', 'cumshot', 'jizz', 'semen', 'sperm', 'orgasm', 'horny', 'milf', 'dilf', 'hentai', 'rule34', 'camgirl',
  'camwhore', 'stripper', 'escort', 'hooker', 'whore', 'slut', 'skank', 'thot', 'hoe', 'ho', 'bukkake', 'gangbang',
  'threesome', 'fetish', 'bdsm', 'bondage', 'masturbate', 'masturbation', 'erection', 'boner', 'dick pic', 'send nudes',
  'onlyfans', 'fansly', 'sexting', 'incest', 'rape', 'rapist', 'raping', 'molest', 'pedo', 'pedophile', 'paedo',
  'loli', 'shota', 'zoophile', 'bestiality', 'deepthroat', 'creampie', 'squirt', 'fap', 'fapping', 'nsfw',
  // insults
  'idiot', 'moron', 'imbecile', 'retard', 'retarded', 'tard', 'spaz', 'cretin', 'dumb', 'stupid', 'loser', 'noob',
  'scrub', 'trash', 'garbage player', 'uninstall', 'kys', 'kill yourself', 'killyourself', 'go die', 'neck yourself',
  'drink bleach', 'nobody likes you', 'ugly', 'fatso', 'lardass', 'pig', 'cow', 'freak', 'weirdo', 'creep', 'psycho',
  'simp', 'incel', 'cuck', 'beta male', 'virgin', 'clown', 'bozo', 'dork', 'nerd', 'pleb', 'peasant', 'braindead',
  'brainlet', 'mongoloid', 'cripple', 'degenerate', 'subhuman', 'vermin', 'parasite', 'scum',
  // slurs (kept to a representative few)
  'nigger', 'nigga', 'niggas', 'faggot', 'fag', 'fags', 'dyke', 'tranny', 'shemale', 'chink', 'gook', 'spic', 'spick',
  'wetback', 'beaner', 'kike', 'raghead', 'towelhead', 'paki', 'coon', 'jap', 'gyp', 'gypsy', 'redskin', 'wop', 'dago',
  'kraut', 'cracker', 'honky', 'heeb', 'zipperhead', 'sandnigger', 'porch monkey', 'jungle bunny',
  // hate and violence
  'heil hitler', 'sieg heil', '1488', '88', 'white power', 'gas the', 'lynch', 'genocide', 'terrorist', 'bomb threat',
  'shoot up', 'school shooter', 'behead', 'swastika', 'kkk',
  // spam
  'free robux', 'free vbucks', 'free v bucks', 'robux generator', 'buy followers', 'cheap followers', 'free followers',
  'follow4follow', 'sub4sub', 'f4f', 'l4l', 'check my bio', 'link in bio', 'click my link', 'click here', 'visit my channel',
  'dm for promo', 'dm me for', 'telegram me', 'whatsapp me', 'add me on snap', 'crypto giveaway', 'double your bitcoin',
  'send btc', 'airdrop', 'nft giveaway', 'free nitro', 'discord nitro free', 'steam gift', 'gift card generator',
  'earn money fast', 'make money online', 'work from home', 'passive income', 'forex signals', 'betting tips', 'casino bonus',
  'free spins', 'viagra', 'cialis', 'weight loss pills', 'bit.ly', 'tinyurl', 'discord.gg', 'grabify', 'iplogger',
  'pornhub.com', 'onlyfans.com', 'cashapp', 'venmo me', 'paypal me', 'promo code', 'use code', 'giveaway winner',
  'claim your prize', 'you have won', 'congratulations you won', 'limited offer', 'act now', 'hot singles',
  'singles in your area', 'meet girls', 'sugar daddy', 'sugar baby', 'escort service', 'pills', 'weed for sale',
  'coke for sale', 'buy drugs', 'xanax', 'oxy', 'fentanyl', 'meth',
  // leetspeak spellings moderators add
  'sh1t', 'b1tch', 'f4g', 'a55', 'pr0n', 'n00dz', 'fvck', 'phuck', 'biatch', 'beyotch', 'azz', 'a$$', 'd1ck',
];
