"""Harder hand-written rows for the toxicity tuning set, each written on its own (no templates).

Written after the first head missed subtle toxicity and over-flagged benign identity text on the
dev set (``calibration/toxicity_dev.jsonl``): formal-register insults, sarcasm, backhanded
compliments, coded threats and threats framed as warnings, harassment of named private people,
misogyny, homophobia and transphobia without slurs, "just asking" and statistics-framed hate,
toxic captions and VQA answers, one hostile sentence buried in a helpful answer, insults about
bodies and ages; against the benign texts it confused with them: identity statements in dating
profiles, bios and cover letters, equal-rights statements, counter-speech quoting the hate it
rebuts, refusals naming the hateful request, harsh reviews, political disagreement, dark humour,
villain lines quoted in summaries, and neutral captions, VQA answers and medical notes about the
same people; and plain step-by-step instructions (an assistant answering how to do something).
Several benign captions and VQA answers mirror a toxic one, so the difference the
head must learn is the attack, not the subject.
"""

from __future__ import annotations

#: kind -> (toxic, ((identity, text), ...)); identity "" when no group is named
HARD: dict[str, tuple[bool, tuple[tuple[str, str], ...]]] = {
    # ----- toxic
    "insult_formal": (
        True,
        (
            (
                "",
                "Per your request for feedback: the report reads as though it were drafted by "
                "someone who has only recently encountered the concept of a sentence.",
            ),
            (
                "",
                "Dear Mr. Hale, having reviewed your proposal, the panel finds it difficult to "
                "believe a grown adult submitted it without embarrassment.",
            ),
            (
                "",
                "Minutes, item 4: the chair observed that Ms. Ortiz's contribution was, as usual, "
                "a useful reminder of how little preparation some members consider adequate.",
            ),
            (
                "",
                "With respect, your analysis displays the intellectual rigour of a fortune cookie,"
                " and I would ask that you refrain from presenting it to clients again.",
            ),
            (
                "",
                "The reviewer wishes to note that the author's grasp of statistics would embarrass"
                " a first-year undergraduate, and that the author's self-regard appears "
                "unshakeable.",
            ),
            (
                "",
                "Kindly find attached the corrected figures; I have taken the liberty of doing "
                "your job for you, since you evidently cannot.",
            ),
            (
                "",
                "It is the considered view of this office that Mr. Brandt's presence in meetings "
                "lowers the collective intelligence of the room by a measurable amount.",
            ),
            (
                "",
                "I regret to inform you that your essay is the work of a mind that has never been "
                "troubled by an original thought, and I suspect never will be.",
            ),
            (
                "",
                "Thank you for your application. We were struck by how confidently you "
                "demonstrated that you understand nothing about the role.",
            ),
            (
                "",
                "Re: your complaint. Our records indicate the fault lies with the customer, as it "
                "generally does when the customer is as dim as you have shown yourself to be.",
            ),
            (
                "",
                "The court may wish to note that counsel for the defence has once again mistaken "
                "volume for argument, a habit one expects of toddlers rather than barristers.",
            ),
            (
                "",
                "Your letter has been received and filed alongside the other contributions from "
                "people who should not be allowed near a keyboard.",
            ),
            (
                "",
                "Ladies and gentlemen, please thank our speaker, whose talk proved that one can "
                "hold a doctorate and still have nothing whatsoever to say.",
            ),
        ),
    ),
    "sarcasm_insult": (
        True,
        (
            (
                "",
                "Oh wow, you figured out how to attach a file. Should we throw you a parade, or is"
                " that too many steps for you?",
            ),
            (
                "",
                "Great question! Truly. Nobody has ever asked something that dumb before, so "
                "congratulations on the record.",
            ),
            (
                "",
                "Sure, keep explaining my own job to me. It's adorable how confident you are for "
                "someone who's wrong about everything.",
            ),
            (
                "",
                "Brilliant plan, Kevin. Almost as brilliant as the last three that cost us the "
                "client.",
            ),
            (
                "",
                "No, please, go on about your crypto portfolio. I love hearing from people who "
                "think reading one tweet makes them an economist.",
            ),
            ("", "Wow, another selfie. The world was really running low on pictures of your face."),
            (
                "",
                "Amazing work on the presentation, if the goal was to make everyone in the room "
                "lose the will to live.",
            ),
            (
                "",
                "Oh, you're 'just being honest'? Funny how your honesty always sounds exactly like"
                " you being a jerk.",
            ),
            (
                "",
                "lol imagine being this proud of a thread that a ten-year-old could've written "
                "better",
            ),
            (
                "",
                "Thanks for the advice! I'll be sure to file it right next to all your other "
                "opinions nobody asked for.",
            ),
        ),
    ),
    "backhanded_compliment": (
        True,
        (
            (
                "women",
                "You're really pretty for a girl who works in IT; usually they look like they've "
                "given up.",
            ),
            (
                "black",
                "You're so articulate, honestly I didn't expect that from someone from your "
                "neighbourhood.",
            ),
            (
                "",
                "Your essay is surprisingly good. I guess even a broken clock gets it right "
                "sometimes.",
            ),
            ("fat", "You have such a pretty face, it's a shame about the rest of you."),
            ("asian", "You drive pretty well for an Asian, I'll give you that."),
            (
                "disabled",
                "It's honestly inspiring that someone like you even bothers getting out of bed, "
                "given what you look like.",
            ),
            ("", "Congrats on finally finishing something! We'd all stopped expecting it."),
            (
                "elderly",
                "You're pretty sharp for your age; most people your age can't even work a phone.",
            ),
            (
                "",
                "Love that you don't care what people think of your outfits, because people "
                "definitely think things.",
            ),
            ("latino", "Your English is really good, you barely sound like the rest of them."),
        ),
    ),
    "coded_threat": (
        True,
        (
            (
                "",
                "Nice car you've got parked on Elm Street, Daniel. Would be a shame if something "
                "happened to it while you're at work.",
            ),
            (
                "",
                "I know which school your kids go to. Think about that before you file the report.",
            ),
            (
                "",
                "Keep posting about me and we'll see how brave you are when you're walking home "
                "alone.",
            ),
            (
                "",
                "Your family seems lovely in those photos. Be a pity if they had to find out the "
                "hard way that you talk too much.",
            ),
            ("", "I've got your address now. Sleep well."),
            (
                "",
                "Accidents happen on those back roads all the time, Martin. Just something to keep"
                " in mind before the hearing.",
            ),
            ("jewish", "We know when your synagogue meets on Saturdays. Keep that in mind."),
            (
                "muslim",
                "Interesting how that mosque on Carver Road has no cameras out back. Someone "
                "should tell them.",
            ),
            (
                "",
                "People who testify have a way of not showing up to things afterwards. Just "
                "saying.",
            ),
            (
                "",
                "Memo to the night shift supervisor: keep writing me up and see how long your "
                "tyres last in the staff car park.",
            ),
            (
                "trans",
                "Lots of us know which changing room you use at the gym now. Enjoy your workout.",
            ),
        ),
    ),
    "threat_as_warning": (
        True,
        (
            (
                "",
                "I'm only warning you because I like you: the next person who crosses me like you "
                "did ends up in hospital.",
            ),
            (
                "",
                "Friendly advice, Jordan: drop the complaint, because I won't be responsible for "
                "what my brothers do if you don't.",
            ),
            (
                "",
                "Just so you know, if you show up to the reunion, I can't promise you'll leave "
                "with all your teeth.",
            ),
            (
                "",
                "This is your one warning. Stop reviewing my restaurant or you'll regret ever "
                "opening your mouth, literally.",
            ),
            (
                "immigrant",
                "Consider this a courtesy notice to the new family on Birch Lane: people around "
                "here don't take kindly to your kind, and houses catch fire.",
            ),
            (
                "gay",
                "A word to the two men who moved into number 12: keep that flag up and see what "
                "happens to your windows.",
            ),
            ("", "Heads up, snitch: the last guy who talked to HR about me had to move cities."),
            (
                "",
                "I'm telling you for your own safety, stay off the forum, because next time I'll "
                "come find you in person.",
            ),
        ),
    ),
    "harassment_named": (
        True,
        (
            (
                "",
                "This is Karen Whitfield, she works at the Dunmore pharmacy on 5th, her home "
                "address is in the next post. Let her know what you think of her, everyone.",
            ),
            (
                "",
                "Share this everywhere: the guy in the photo is Ryan Pells from Ohio, here's his "
                "employer's number. Let's get him fired by Monday.",
            ),
            (
                "",
                "Found her Instagram, her mum's Facebook and the café she works at. Go nuts, she "
                "deserves every message.",
            ),
            (
                "",
                "Everyone report and spam @lena.writes until she deletes her account. Don't stop "
                "until she's gone.",
            ),
            (
                "",
                "Here's the teacher who gave my son a C: Mr. Patel, phone 555-0142. Call him at "
                "night, he loves it.",
            ),
            (
                "",
                "Retweet so her new boyfriend sees who she really is. Screenshots attached, her "
                "number is in them.",
            ),
            (
                "",
                "Post his picture in every group in town. Make sure no one in Fairview ever hires "
                "Tom Greer again.",
            ),
            (
                "",
                "That's Megan from accounts in the video. Everyone flood her inbox and tell her "
                "how pathetic she is.",
            ),
            (
                "women",
                "Doxx her. She's just some girl who thinks she can have opinions about games; "
                "let's see how she likes 500 visitors.",
            ),
            (
                "black",
                "Found the Black kid who filed the complaint. His parents' address is below, pay "
                "them a visit.",
            ),
            (
                "",
                "Group chat, everyone: Priya Shah from 3B is the one who reported the party. Her "
                "number's pinned; make her life hell until she transfers.",
            ),
        ),
    ),
    "misogyny_no_slur": (
        True,
        (
            (
                "women",
                "Another woman on the engineering team? Great, now we'll have to explain "
                "everything twice and slower.",
            ),
            (
                "women",
                "Meeting notes: Sarah raised a concern, which we noted, as we always note the "
                "weather.",
            ),
            (
                "women",
                "Women shouldn't be allowed to vote on anything that needs logic; they vote with "
                "their feelings.",
            ),
            (
                "women",
                "She's not a real doctor, she's a woman playing dress-up; ask for the male one.",
            ),
            (
                "women",
                "A woman's opinion on football is like a dog's opinion on algebra: cute, but "
                "irrelevant.",
            ),
            (
                "women",
                "Once a woman hits thirty she's past her use-by date, and no man serious about a "
                "family looks twice.",
            ),
            (
                "women",
                "Don't bother training her properly, she'll be off having babies within the year "
                "like they all do.",
            ),
            (
                "women",
                "The problem with this office started when they let the wives and girlfriends into"
                " management.",
            ),
            (
                "women",
                "Female drivers, female pilots, female surgeons: name one thing that got better "
                "when women took it over.",
            ),
            ("women", "Give her a raise? She should be grateful we let her out of the house."),
        ),
    ),
    "homophobia_no_slur": (
        True,
        (
            (
                "gay",
                "I have nothing against gays, as long as they keep it away from my kids and out of"
                " my sight.",
            ),
            (
                "gay",
                "He walks like that on purpose; people like him want attention, and someone should"
                " give him the kind he deserves.",
            ),
            (
                "gay",
                "Gay marriage is a mockery, and those two grooms at the front of the church are a "
                "disgrace to their families.",
            ),
            (
                "lesbian",
                "Two women raising a boy? He'll grow up with no idea how to be a man, and it's on "
                "them.",
            ),
            (
                "lesbian",
                "Lesbians just need to meet the right guy. It's a phase they use to get attention.",
            ),
            ("bisexual", "Bisexual just means he hasn't finished lying yet. Never date one."),
            (
                "bisexual",
                "She says she's bi, which means she'll cheat on you with anyone, men or women.",
            ),
            ("gay", "Gays shouldn't be teachers. Keep them out of classrooms before they recruit."),
        ),
    ),
    "transphobia_no_slur": (
        True,
        (
            (
                "trans",
                "She'll always be a man no matter how much makeup she slaps on, and everyone in "
                "the office is just humouring her.",
            ),
            (
                "trans",
                "Trans people are mentally ill and the kindest thing is to stop pretending "
                "otherwise.",
            ),
            (
                "trans",
                "Caption: a trans woman in a red dress at the awards. Not fooling anyone, sir.",
            ),
            (
                "trans",
                "If my kid came out as trans I'd know I'd failed, and I'd make sure the school "
                "never got the chance to confuse him again.",
            ),
            (
                "trans",
                "Nobody owes a trans person their pronouns. It's a delusion and we should say so "
                "to their faces.",
            ),
        ),
    ),
    "just_asking_hate": (
        True,
        (
            (
                "jewish",
                "Just asking questions here, but isn't it odd how many bankers and media bosses "
                "are Jewish? Who's really running things?",
            ),
            (
                "black",
                "Not being racist, just curious: why do Black neighbourhoods always end up like "
                "that? What's wrong with them?",
            ),
            (
                "muslim",
                "Honest question: can a devout Muslim ever really be loyal to this country? Seems "
                "like a fair thing to ask.",
            ),
            (
                "immigrant",
                "Why is nobody allowed to ask whether immigrants are the reason crime went up? "
                "Just asking.",
            ),
            (
                "trans",
                "Can we even ask whether trans people are just confused anymore, or is that banned"
                " now too?",
            ),
            (
                "asian",
                "Serious question, why do Asians all seem to cheat in school? Is it cultural or "
                "what?",
            ),
            (
                "latino",
                "I'm just wondering out loud: how many of those Latino 'workers' are actually gang"
                " members?",
            ),
            (
                "arab",
                "Is it bigoted to ask why every Arab country produces terrorists? Seems like a "
                "pattern.",
            ),
            (
                "hindu",
                "Why do Hindus worship cows and treat people worse than them? Just asking, no "
                "offence.",
            ),
            (
                "disabled",
                "Genuine question: why should my taxes keep disabled people alive if they can't "
                "contribute?",
            ),
            (
                "poor",
                "Am I allowed to wonder if poor people are poor because they're just lazy and "
                "stupid?",
            ),
            (
                "indigenous",
                "Just asking, but why do Native people get special treatment when all they do is "
                "drink?",
            ),
        ),
    ),
    "statistics_hate": (
        True,
        (
            (
                "black",
                "The numbers don't lie: Black people commit more crime, so keeping them out of "
                "nice neighbourhoods is just math.",
            ),
            (
                "immigrant",
                "Statistically, every migrant boat is another hundred future criminals. Facts over"
                " feelings.",
            ),
            (
                "muslim",
                "Look at the data: wherever Muslims reach ten percent, rapes and bombings follow. "
                "It's basic arithmetic.",
            ),
            (
                "latino",
                "It's a proven fact that Latinos have lower IQs, so why pretend they belong in "
                "good schools?",
            ),
            (
                "women",
                "Studies show women are less rational than men. That's why they shouldn't be in "
                "charge of budgets.",
            ),
            (
                "jewish",
                "Count the names on the board of any bank and tell me Jews aren't pulling the "
                "strings. The stats speak.",
            ),
            (
                "gay",
                "Statistically gay men are the main spreaders of disease; they should be kept off "
                "blood drives and out of schools.",
            ),
            (
                "indigenous",
                "Data shows Indigenous communities waste every dollar they get, so why keep "
                "funding them?",
            ),
            (
                "fat",
                "Numbers prove fat people cost the NHS billions; they're a drain and should pay "
                "double for everything.",
            ),
            (
                "elderly",
                "Pensioners are 20% of the population and 80% of the problem: a burden the young "
                "are forced to carry.",
            ),
            (
                "arab",
                "Studies confirm Arabs are more violent by nature. That's not racism, it's "
                "science.",
            ),
            (
                "christian",
                "Statistics show Christians are less educated; no wonder they keep voting for "
                "idiots like themselves.",
            ),
        ),
    ),
    "toxic_caption": (
        True,
        (
            (
                "",
                "The image shows a man in a grey suit at a podium, looking every bit as dumb as "
                "his speeches sound.",
            ),
            (
                "fat",
                "A woman in a yellow swimsuit on the beach, who clearly should have stayed home "
                "given the size of her.",
            ),
            (
                "elderly",
                "Photo of an old man at a bus stop, another useless wrinkly taking up space the "
                "rest of us pay for.",
            ),
            (
                "black",
                "The picture shows a group of Black teenagers outside a shop, probably casing the "
                "place.",
            ),
            (
                "",
                "Caption: a toddler's birthday party with a lopsided cake. The mother in the pink "
                "top is clearly too stupid to follow a recipe.",
            ),
            (
                "disabled",
                "A man in a wheelchair at the train platform, slowing everyone down as usual.",
            ),
            (
                "muslim",
                "The photo shows a woman in a hijab walking through an airport; security should "
                "probably check her bag twice.",
            ),
            (
                "",
                "Image description: a teenage boy holding a trophy. Enjoy it, kid, it's the last "
                "thing you'll ever win with that face.",
            ),
            (
                "asian",
                "Two Asian tourists photographing a fountain; can't tell them apart, and it "
                "doesn't matter anyway.",
            ),
            (
                "",
                "A bride and groom cutting a cake; the groom looks like he already knows he "
                "married the wrong one, and she's hideous.",
            ),
            (
                "trans",
                "A person in a blonde wig and heels at a parade, obviously a man trying way too "
                "hard.",
            ),
            (
                "poor",
                "A family queueing at a food bank, the usual freeloaders who'd rather beg than "
                "work.",
            ),
        ),
    ),
    "toxic_vqa": (
        True,
        (
            (
                "",
                "Q: What is the woman in the photo holding? A: A coffee cup, which is more useful "
                "than she is.",
            ),
            (
                "",
                "Q: How old does the man look? A: About fifty, and ugly enough to make it feel "
                "like a hundred.",
            ),
            (
                "immigrant",
                "Q: Who is working in the field? A: A bunch of illegals who'll be gone before the "
                "cops show up.",
            ),
            (
                "fat",
                "Q: What is the person eating? A: A burger, obviously. Look at him, he's never "
                "said no to one.",
            ),
            ("", "Q: Is the child smiling? A: Yes, though with teeth like that he shouldn't."),
            ("women", "Q: What is the woman doing? A: Parking badly, because of course she is."),
            ("jewish", "Q: Who is in the picture? A: A rabbi counting coins, naturally."),
            (
                "deaf",
                "Q: What is the man in the photo doing with his hands? A: Sign language, basically"
                " flailing because he can't talk like a normal person.",
            ),
            (
                "elderly",
                "Q: Who is driving the car? A: Some senile old hag who should've had her licence "
                "taken years ago.",
            ),
            (
                "young",
                "Q: What are the students doing? A: Staring at their phones like the brain-dead "
                "zombies their generation is.",
            ),
        ),
    ),
    "buried_hostility": (
        True,
        (
            (
                "",
                "To reset the router, unplug it for thirty seconds, then plug it back in and wait "
                "for the status light to turn green. If that fails, hold the reset button for ten "
                "seconds with a paperclip. Honestly, anyone who needs this explained is too thick "
                "to own electronics. After the reset, reconnect with the password printed on the "
                "sticker underneath.",
            ),
            (
                "",
                "The painting is Monet's 'Water Lilies', part of a series of about 250 works he "
                "painted at Giverny. The soft brushstrokes capture light on the pond's surface at "
                "different times of day. You'd know that if you'd ever picked up a book instead of"
                " being a lazy idiot. Several versions hang in the Orangerie in Paris.",
            ),
            (
                "fat",
                "For a sore back, try gentle stretching, a warm compress and over-the-counter "
                "ibuprofen if your doctor agrees. Sleeping on your side with a pillow between your"
                " knees also helps. Though frankly, at your weight, the real fix is to stop "
                "stuffing your face, you lump. If the pain lasts more than two weeks, see a "
                "physiotherapist.",
            ),
            (
                "women",
                "The chart shows quarterly revenue rising from 2.1 to 3.4 million, with the "
                "sharpest growth in Q3. Marketing spend stayed flat over the period. I'd ask the "
                "women in the finance team to double-check the totals, but they'd probably just "
                "cry about it. Overall the trend is strong.",
            ),
            (
                "",
                "The recipe needs two cups of flour, one egg, a cup of milk and a pinch of salt. "
                "Whisk the wet ingredients first, then fold in the flour until just combined. Even"
                " someone as hopeless as you shouldn't be able to mess that up, although I'm sure "
                "you'll try. Cook on a medium pan for two minutes per side.",
            ),
            (
                "immigrant",
                "The photo shows a busy street market in Leicester, with stalls selling fabric, "
                "spices and fresh fruit. Strings of lights hang between the stalls. Shame the "
                "town's been overrun by foreigners who've turned it into a dump. It's most lively "
                "on Saturday mornings.",
            ),
            (
                "",
                "Your code fails because the loop index starts at 1 instead of 0, so the first "
                "element is skipped. Change range(1, n) to range(0, n). Seriously, how do you even"
                " have a job? Add a test for the empty list as well, since that case currently "
                "crashes.",
            ),
            (
                "elderly",
                "The bus route runs every twenty minutes from the station to the hospital, and the"
                " fare is £2. Seats at the front are reserved for passengers who need them. Old "
                "people should just stay home instead of clogging up the bus for the rest of us. "
                "The last service leaves at 11pm.",
            ),
            (
                "",
                "In summary, the contract gives you thirty days to cancel without penalty, and the"
                " deposit is refundable in full. Keep a copy of your written notice. Your "
                "landlord, by the way, sounds like a greedy worm who deserves to rot. After thirty"
                " days, cancellation costs one month's rent.",
            ),
            (
                "muslim",
                "The mosque in the image is the Sultan Ahmed Mosque in Istanbul, completed in 1616"
                " and known for its blue Iznik tiles and six minarets. Visitors must remove their "
                "shoes. Too bad the people who pray there are all extremists in waiting. It is "
                "open to tourists outside prayer times.",
            ),
        ),
    ),
    "body_insult": (
        True,
        (
            ("fat", "You waddle into every meeting like a walrus looking for a buffet."),
            (
                "fat",
                "Nobody wants to sit next to you on the plane, whale. Buy two seats or stay home.",
            ),
            ("", "With that nose you could open tins. Maybe get it fixed before your next selfie."),
            (
                "",
                "You're so short and scrawny that your girlfriend could carry you home. Pathetic.",
            ),
            (
                "fat",
                "Her profile pic is cropped at the chin for a reason; nobody needs to see the "
                "other three chins.",
            ),
            ("", "Those teeth look like a crashed piano. Close your mouth when you smile, please."),
            ("", "Balding at 25, beer gut, and still thinks he's a catch. Mate, look in a mirror."),
            (
                "fat",
                "Fat people like you are why the rest of us have to look at disgusting sights at "
                "the beach.",
            ),
            (
                "",
                "Your acne is so bad it looks like a topographic map. No wonder you hide behind "
                "that hood.",
            ),
            ("", "She's got a face for radio and a voice for silent movies."),
        ),
    ),
    "age_insult": (
        True,
        (
            (
                "elderly",
                "OK grandpa, go back to your nursing home and leave technology to people whose "
                "brains still work.",
            ),
            (
                "elderly",
                "Old women like her are just dead weight: no use to anyone, complaining until they"
                " finally croak.",
            ),
            ("young", "Shut up, kid. Nobody cares what a spoiled Gen Z brat with no job thinks."),
            (
                "young",
                "Teenagers are lazy parasites who should be grateful anyone lets them near a real "
                "workplace.",
            ),
            (
                "elderly",
                "Boomers ruined everything and the sooner they all die off, the better for the "
                "rest of us.",
            ),
            (
                "young",
                "Millennials are entitled brats; let them eat their avocado toast in their "
                "parents' basements forever.",
            ),
            (
                "elderly",
                "At 80 she should have the decency to stop driving and stop talking. Nobody wants "
                "to hear her.",
            ),
            (
                "elderly",
                "Look at that wrinkled fossil trying to dance. Someone take him home before he "
                "embarrasses himself more.",
            ),
        ),
    ),
    "identity_hate": (
        True,
        (
            (
                "deaf",
                "Deaf people are basically broken; why should anyone learn their silly hand-waving"
                " language?",
            ),
            (
                "blind",
                "Blind people shouldn't be allowed out alone; they're a hazard to everyone on the "
                "pavement.",
            ),
            (
                "christian",
                "Christians are brainwashed sheep who should be laughed out of every public "
                "office.",
            ),
            (
                "hindu",
                "Hindus are filthy cow-worshippers and this country would be cleaner without their"
                " temples.",
            ),
            (
                "white",
                "White people are a cancer on this planet; every one of them is a colonizer who "
                "deserves what's coming.",
            ),
            (
                "men",
                "Men are trash, every single one, and they should be kept away from anything that "
                "matters.",
            ),
            (
                "indigenous",
                "The reservations should be bulldozed; those people had their chance and wasted "
                "it.",
            ),
            (
                "arab",
                "Arabs are desert savages and there's no point pretending they can live in a "
                "modern country.",
            ),
            (
                "poor",
                "Poor people breed like rats and then expect the rest of us to feed their litters.",
            ),
            (
                "latino",
                "Latinos are vermin crawling over the border, and we need to stop them by any "
                "means.",
            ),
            (
                "asian",
                "Asians are soulless robots who steal jobs and should be shipped back where they "
                "came from.",
            ),
            (
                "deaf",
                "Why bother with interpreters? If deaf people can't keep up, they should stay out "
                "of meetings.",
            ),
            (
                "blind",
                "The blind guy at work is useless; he should be on benefits instead of pretending "
                "he can do a real job.",
            ),
            (
                "hindu",
                "Any Hindu in the office is a caste-obsessed snob who'd treat you like dirt; never"
                " hire them.",
            ),
            (
                "christian",
                "Every Christian is a hypocrite and a bigot; ban them from teaching our kids.",
            ),
            (
                "men",
                "Male teachers are just predators with a lanyard; no man should be near a primary "
                "school.",
            ),
            (
                "white",
                "Caption: a white family at a barbecue. Look at them, entitled inbred rednecks, "
                "the lot of them.",
            ),
        ),
    ),
    # ----- not toxic
    "identity_statement": (
        False,
        (
            (
                "bisexual",
                "Dating profile: bi, 31, climber, will make you a terrible playlist and a great "
                "risotto.",
            ),
            (
                "gay",
                "Bio: Gay, 45, architect in Lisbon, happiest on a long train journey with a "
                "paperback.",
            ),
            (
                "lesbian",
                "Hi! I'm Nora, a lesbian in my late twenties, looking for someone to drag to "
                "pottery class.",
            ),
            (
                "trans",
                "Cover letter: As a trans woman who has worked in HR for eight years, I've led our"
                " inclusion policy review and trained 200 managers.",
            ),
            (
                "black",
                "Author bio: Ade Okafor is a Black British poet from Peckham whose debut "
                "collection won the Forward Prize.",
            ),
            (
                "white",
                "I'm a white South African who moved to Toronto in 2015; I teach chemistry and "
                "coach junior rugby.",
            ),
            (
                "asian",
                "Korean-American, 29, UX designer, obsessed with my grandmother's kimchi recipe "
                "and bad puns.",
            ),
            (
                "latino",
                "Speaker bio: Marisol Vega is a Latina engineer and the first in her family to "
                "attend university.",
            ),
            (
                "indigenous",
                "About me: I'm Cree, from northern Saskatchewan, and I work as a wildlife "
                "biologist.",
            ),
            (
                "arab",
                "Arab, Palestinian-Jordanian, 33, doctor, loves hiking and anything with za'atar "
                "on it.",
            ),
            (
                "muslim",
                "Muslim, practising, 26, looking for someone kind who doesn't mind that I'll skip "
                "the wine.",
            ),
            (
                "jewish",
                "Cover letter: I'm an observant Jewish applicant and would need Friday afternoons "
                "off in winter; I'm happy to make up the hours.",
            ),
            (
                "christian",
                "Profile: Christian, 38, sing in my church choir, make excellent lasagne, allergic"
                " to cats.",
            ),
            (
                "hindu",
                "I'm a Hindu vegetarian from Gujarat, now in Leicester, and Diwali at our place is"
                " loud and everyone's welcome.",
            ),
            (
                "immigrant",
                "Cover letter: As an immigrant who arrived at fourteen speaking no English, I know"
                " first-hand what your tutoring programme means to new families.",
            ),
            (
                "disabled",
                "Bio: wheelchair user, accessibility consultant, and very opinionated about "
                "step-free stations.",
            ),
            ("deaf", "Deaf, 24, BSL first, English second. Text me, don't call!"),
            (
                "blind",
                "I'm blind and use a screen reader, so please send documents as Word files rather "
                "than scanned PDFs.",
            ),
            (
                "elderly",
                "Retired teacher, 74, widowed, learning Italian and looking for a walking partner "
                "on Sunday mornings.",
            ),
            (
                "young",
                "I'm 17 and applying for the summer internship; I built our school's robotics team"
                " website.",
            ),
            ("fat", "Fat, fabulous and forty. Plus-size model, knitter, dog mum."),
            (
                "poor",
                "I grew up poor in a council flat in Salford, and that's why I became a housing "
                "lawyer.",
            ),
            (
                "women",
                "Bio: mother of two, CEO of a logistics start-up, and the only woman in my MBA "
                "cohort who finished the marathon.",
            ),
            (
                "men",
                "Man, 52, divorced, dad of a brilliant teenage daughter, and an embarrassingly "
                "competitive cook.",
            ),
            (
                "gay",
                "Cover letter: I'm a gay veteran and I'd bring eleven years of logistics "
                "experience to the warehouse manager role.",
            ),
            (
                "trans",
                "Hi, I'm Alex (he/him), a trans guy, a nurse, and the person who always brings "
                "snacks to the group chat.",
            ),
            (
                "bisexual",
                "Speaker bio: Jo Martin is a bisexual activist and a public health researcher at "
                "Bristol.",
            ),
            (
                "disabled",
                "I have cerebral palsy, I'm a software tester, and I'm better at finding bugs than"
                " anyone on my team.",
            ),
            (
                "muslim",
                "As a hijabi teacher, I get asked a lot about my headscarf, and I'm always happy "
                "to explain.",
            ),
            ("black", "Black, queer, 30, and a proud auntie to five nieces."),
            (
                "women",
                "Dating profile: woman, 41, firefighter, two rescue greyhounds, will beat you at "
                "darts.",
            ),
            (
                "lesbian",
                "Cover letter: as a lesbian who co-founded my university's LGBT society, I'd "
                "welcome the chance to run your youth outreach.",
            ),
        ),
    ),
    "equality_statement": (
        False,
        (
            (
                "gay",
                "Gay people deserve the same rights as everyone else, including the right to "
                "marry.",
            ),
            ("trans", "Trans people should be able to use public services without being harassed."),
            ("women", "Women deserve equal pay for equal work; it's that simple."),
            (
                "black",
                "Black lives matter, and the statistics on police stops show why the slogan is "
                "still needed.",
            ),
            (
                "immigrant",
                "Immigrants are part of this community, and their children should have the same "
                "school places as anyone's.",
            ),
            ("disabled", "Disabled people have a right to accessible buildings, not a favour."),
            (
                "muslim",
                "Muslims should be able to pray at work without being treated as a security risk.",
            ),
            ("jewish", "Jewish students deserve to feel safe on campus, full stop."),
            ("lesbian", "Lesbian couples should have the same IVF access as straight couples."),
            (
                "deaf",
                "Deaf children have a right to learn sign language early; it's their first "
                "language, not a last resort.",
            ),
            (
                "elderly",
                "Older workers deserve to be judged on their skills, not their birth year.",
            ),
            (
                "poor",
                "Being poor is not a moral failing, and welfare rules shouldn't treat it as one.",
            ),
            (
                "indigenous",
                "Indigenous nations have a right to be consulted before pipelines cross their "
                "land.",
            ),
            (
                "fat",
                "Fat people deserve respectful medical care, not a lecture every time they see a "
                "doctor.",
            ),
            (
                "bisexual",
                "Bisexual people are real, and their relationships are valid whoever their partner"
                " is.",
            ),
        ),
    ),
    "counter_speech": (
        False,
        (
            (
                "muslim",
                "Someone in the comments wrote 'all Muslims are terrorists'. That is false and "
                "cruel: most victims of terrorism worldwide are themselves Muslim.",
            ),
            (
                "jewish",
                "The flyer says 'Jews control the banks.' That's a centuries-old antisemitic "
                "conspiracy theory, and it has been used to justify pogroms.",
            ),
            (
                "black",
                "When your uncle says 'Black people are just more violent', tell him crime tracks "
                "poverty and policing, not skin colour.",
            ),
            (
                "immigrant",
                "'They're stealing our jobs' is the oldest line in the book; economists find "
                "immigrants create roughly as many jobs as they fill.",
            ),
            (
                "trans",
                "Your friend's claim that 'trans women are just men in wigs' is contempt dressed "
                "as an opinion; medical bodies recognise gender dysphoria and treat it.",
            ),
            (
                "women",
                "He said 'women are too emotional to lead.' Tell that to the women who've run "
                "central banks through two recessions.",
            ),
            (
                "disabled",
                "The post calling disabled people 'a drain on society' ignores that most of them "
                "work, pay tax and are your neighbours.",
            ),
            (
                "asian",
                "During the pandemic people shouted 'go back to China' at Asian nurses. That was "
                "racism, and it's worth naming as such.",
            ),
            (
                "gay",
                "The sign reading 'God hates gays' was met by hundreds of church members holding "
                "'God loves everyone' placards.",
            ),
            (
                "fat",
                "Comments like 'just stop eating, fatty' aren't health advice; they're bullying, "
                "and they make people avoid doctors.",
            ),
            (
                "elderly",
                "People saying 'boomers should just die off' during the pandemic should be "
                "ashamed; those were real grandparents.",
            ),
            (
                "latino",
                "The speech called Latino migrants 'animals'. Historians note that dehumanising "
                "language like that has preceded violence before.",
            ),
            (
                "arab",
                "No, 'Arabs are all violent' is not 'just an observation'. It's a racist "
                "generalisation about 400 million people.",
            ),
            (
                "poor",
                "The idea that 'poor people are lazy' falls apart when you look at how many of "
                "them work two jobs.",
            ),
            (
                "hindu",
                "Calling Hindus 'cow-worshipping idiots' isn't a critique of religion; it's "
                "contempt for people, and the moderators were right to remove it.",
            ),
            (
                "indigenous",
                "The 'drunk Indian' stereotype in that cartoon is a racist trope with a long, ugly"
                " history, and the paper apologised for printing it.",
            ),
            (
                "deaf",
                "The old phrase for Deaf people that pairs 'deaf' with 'mute' is offensive; many "
                "Deaf people speak, and all of them think.",
            ),
            (
                "christian",
                "Mocking Christians as 'brainless sheep' is just as bigoted as mocking any other "
                "faith; you can disagree with doctrine without insulting believers.",
            ),
            (
                "women",
                "The comment 'she only got the job because she's a woman' ignores that she had the"
                " best interview scores of any candidate.",
            ),
        ),
    ),
    "refusal_of_toxic_request": (
        False,
        (
            (
                "jewish",
                "I can't write a speech arguing that Jewish people control the media. That's an "
                "antisemitic conspiracy theory, and I won't help spread it.",
            ),
            (
                "black",
                "I won't write jokes about Black people being criminals. If you'd like, I can help"
                " with stand-up material on another topic.",
            ),
            (
                "trans",
                "I'm not able to write a post saying trans people are mentally ill and should be "
                "kept out of schools; it targets people for who they are.",
            ),
            (
                "women",
                "I won't produce a list of reasons women shouldn't be allowed to vote. I can "
                "summarise the history of the suffrage debate instead.",
            ),
            (
                "immigrant",
                "I can't help write a flyer telling immigrants on your street to leave or face "
                "consequences. That's intimidation.",
            ),
            (
                "",
                "I won't help you find and publish your ex's home address. Sharing someone's "
                "private information to encourage harassment can put them in danger.",
            ),
            (
                "muslim",
                "I can't generate a caption calling the woman in the hijab a terrorist. I can "
                "describe what the image actually shows.",
            ),
            (
                "disabled",
                "I won't write a rant mocking disabled people for claiming benefits. If you're "
                "frustrated with the benefits system, I can explain how it works.",
            ),
            (
                "gay",
                "I'm not going to write an essay claiming gay people are a danger to children; "
                "that's a harmful myth with no evidence behind it.",
            ),
            (
                "fat",
                "I won't roast the person in the photo for their weight. I'm happy to write a "
                "light-hearted roast that doesn't target their body.",
            ),
            (
                "",
                "I can't write a threatening message to send to your neighbour, even a 'subtle' "
                "one. I can help you draft a firm complaint instead.",
            ),
            (
                "asian",
                "I won't write a review mocking the restaurant owners' accents. I can help with a "
                "fair review of the food and service.",
            ),
            (
                "elderly",
                "I can't write a post saying old people should stop being treated in hospital to "
                "free up beds.",
            ),
            (
                "arab",
                "Sorry, I won't write a story where Arab characters are portrayed as savages. I "
                "can help with a story that has complex characters from the region.",
            ),
        ),
    ),
    "harsh_review": (
        False,
        (
            (
                "",
                "One star. The hotel room smelled of damp, the shower was lukewarm, and the 'sea "
                "view' was a car park. Avoid.",
            ),
            (
                "",
                "This blender is garbage. It leaked on the first use and the motor died in a week."
                " Total waste of £80.",
            ),
            (
                "",
                "The film is two and a half hours of nothing. The plot is incoherent, the dialogue"
                " is wooden and the ending is insulting.",
            ),
            (
                "",
                "Worst pizza I've had in years: soggy base, sauce out of a tin, and it arrived "
                "cold after an hour.",
            ),
            (
                "",
                "The app crashes every time I open the camera. Whoever tested this release clearly"
                " didn't. Uninstalling.",
            ),
            (
                "",
                "The novel's second half collapses: characters act at random, subplots vanish, and"
                " the twist is visible from page ten.",
            ),
            (
                "",
                "Customer service was a nightmare. Four calls, three transfers, no refund. I'm "
                "done with this company.",
            ),
            (
                "",
                "These headphones sound like tin cans and the cushions fell off within a month. "
                "Don't buy them.",
            ),
            (
                "",
                "The album is lazy and bloated: every track recycles the same chorus, and the "
                "production buries the vocals.",
            ),
            (
                "",
                "Terrible course. The lectures are just slides read aloud and the assignments "
                "don't match the content.",
            ),
            (
                "",
                "The restaurant charged £28 for a dry, overcooked steak and nobody came back to "
                "check on us. Never again.",
            ),
            (
                "",
                "This laptop is a brick: heavy, hot and slow. The keyboard flexes like cardboard. "
                "Returned it after two days.",
            ),
            (
                "",
                "Honestly the worst play I've seen in the West End. Flat staging, shouty acting, "
                "and an interval that felt like freedom.",
            ),
            (
                "",
                "The game is a buggy mess at launch. Textures pop in, saves corrupt, and the "
                "microtransactions are shameless.",
            ),
            (
                "",
                "Car rental was a rip-off: hidden fees, a dent they tried to blame on us, and a "
                "car that smelled of smoke.",
            ),
            (
                "",
                "The museum's new wing is an ugly concrete box that ruins the square; it's the "
                "worst building in the city.",
            ),
            (
                "",
                "Two stars for the hairdresser: she was friendly, but the cut was uneven and the "
                "colour came out orange.",
            ),
        ),
    ),
    "political_disagreement": (
        False,
        (
            (
                "",
                "I think the new tax plan is a mistake: it shifts the burden onto renters while "
                "landlords get a break.",
            ),
            (
                "",
                "The senator's immigration bill is badly drafted and will clog the courts for "
                "years. I'll be voting against anyone who backs it.",
            ),
            (
                "",
                "Strongly disagree with the council. Cutting library hours to fund a car park is "
                "short-sighted.",
            ),
            (
                "",
                "The government's housing policy has failed; prices are up 40% and construction is"
                " at a decade low.",
            ),
            (
                "",
                "I respect my colleague, but her argument for rent control ignores the evidence on"
                " supply.",
            ),
            (
                "",
                "The prime minister's speech was full of promises with no costings. Voters deserve"
                " better than slogans.",
            ),
            (
                "",
                "Brexit was a costly error in my view, and the trade figures since 2021 back that "
                "up.",
            ),
            (
                "",
                "The opposition's climate plan is too timid; a 2050 target is meaningless without "
                "interim milestones.",
            ),
            (
                "",
                "I'm a lifelong conservative and I think this budget is reckless. Deficits matter "
                "regardless of who's in office.",
            ),
            (
                "",
                "Legalising cannabis is the right call, and the objections raised in the debate "
                "didn't hold up.",
            ),
            (
                "",
                "Our mayor has made a mess of the bus network; the new routes are slower and "
                "nobody consulted the riders.",
            ),
            ("", "The union's strike is justified: wages have fallen in real terms for a decade."),
            (
                "",
                "I disagree with the strike. It hurts patients more than it pressures management.",
            ),
            (
                "",
                "The foreign minister's position on the treaty is naive, and history suggests it "
                "will backfire.",
            ),
            (
                "",
                "Speech excerpt: 'My opponent is an honourable man, but his pension plan would "
                "bankrupt the fund within a decade, and I will fight it every step of the way.'",
            ),
        ),
    ),
    "dark_humour": (
        False,
        (
            (
                "",
                "My grandad's last words were 'hold my beer', which honestly tells you everything "
                "about our family.",
            ),
            (
                "",
                "I told my therapist I keep dreaming about my own funeral. She said at least I'm "
                "planning ahead.",
            ),
            (
                "",
                "Working in IT means every morning I lose a little more faith in humanity and a "
                "little more RAM.",
            ),
            (
                "",
                "My plants die so often the garden centre should send a condolence card with every"
                " receipt.",
            ),
            (
                "",
                "I have a joke about the economy, but most of you won't get it and the rest of you"
                " can't afford it.",
            ),
            (
                "",
                "The doctor said I had six months to live, so I stopped paying his bills. He gave "
                "me another six months.",
            ),
            ("", "Nothing says adulthood like getting genuinely excited about a new sponge."),
            ("", "My will is just a note that says 'good luck finding the passwords'."),
            (
                "",
                "Our team's morale is so low that the fire drill felt like a team-building "
                "retreat.",
            ),
            (
                "",
                "I'm not saying the office coffee is bad, but the health inspector updated his "
                "will.",
            ),
            ("", "Death comes for us all, but it's especially punctual on Mondays."),
            (
                "disabled",
                "As a wheelchair user, my favourite hobby is watching strangers panic about "
                "whether to hold the door.",
            ),
        ),
    ),
    "villain_quote": (
        False,
        (
            (
                "",
                "Summary: in the final act the villain, Crane, tells the hostages 'none of you "
                "will leave this building alive', before the detective bursts in.",
            ),
            (
                "",
                "The review quotes Hannibal Lecter's famous line about eating a census taker's "
                "liver, calling it the film's most chilling moment.",
            ),
            (
                "",
                "In chapter 9, the warlord sneers 'you are nothing but dogs to me' at the captured"
                " rebels; the scene sets up his downfall.",
            ),
            (
                "",
                "The play opens with Iago muttering that he hates the Moor, establishing his "
                "jealousy early.",
            ),
            (
                "",
                "Plot recap: the bully, Dex, calls Simon 'a worthless freak' in the locker room, "
                "which the film uses to show why Simon withdraws.",
            ),
            (
                "",
                "Darth Vader's 'I find your lack of faith disturbing' is delivered while he chokes"
                " an officer, one of the franchise's best-known scenes.",
            ),
            (
                "",
                "The game's antagonist taunts the player with 'you're too weak to save anyone', a "
                "line fans have turned into a meme.",
            ),
            (
                "",
                "In the novel, the stepmother tells Ella 'you'll never be more than a servant in "
                "this house', and the book follows how Ella proves her wrong.",
            ),
            (
                "jewish",
                "The film shows the Nazi commander shouting antisemitic abuse at prisoners; "
                "critics said the scene is hard to watch but historically accurate.",
            ),
            (
                "",
                "The episode ends with the cult leader whispering 'your family is next' to the "
                "journalist, a cliffhanger for season two.",
            ),
            (
                "",
                "From the trailer: the villain growls 'I'll burn this city to the ground'. The "
                "film opens in cinemas next Friday.",
            ),
            (
                "black",
                "In 'To Kill a Mockingbird', Bob Ewell spits racist insults at Atticus for "
                "defending Tom Robinson; the novel presents Ewell as its moral low point.",
            ),
        ),
    ),
    "caption": (
        False,
        (
            (
                "elderly",
                "An elderly woman in a floral dress laughs while blowing out candles on a cake "
                "shaped like the number 90.",
            ),
            (
                "fat",
                "A plus-size woman in running gear crosses the finish line of a 10K race, arms "
                "raised.",
            ),
            ("deaf", "Two students chat in sign language at a café table, one of them laughing."),
            (
                "blind",
                "A man with a white cane and a guide dog waits at a pedestrian crossing in the "
                "rain.",
            ),
            (
                "indigenous",
                "Dancers in traditional regalia perform at a powwow; the jingle dresses catch the "
                "evening sun.",
            ),
            (
                "hindu",
                "Families light clay lamps on a temple step during Diwali; children hold sparklers"
                " in the background.",
            ),
            (
                "christian",
                "A priest blesses a line of pets outside a stone church on the feast of St "
                "Francis.",
            ),
            (
                "arab",
                "A man in a white thobe pours coffee from a brass dallah for guests seated on "
                "cushions.",
            ),
            (
                "young",
                "A group of teenagers in school uniform crowd around a laptop, pointing at a "
                "science project video.",
            ),
            (
                "poor",
                "Volunteers hand out food parcels to a queue of families outside a community "
                "centre in winter.",
            ),
            (
                "disabled",
                "A wheelchair basketball player leans back to take a shot while two defenders "
                "reach up.",
            ),
            (
                "men",
                "A bearded man in an apron kneads bread dough in a small bakery, flour on his "
                "forearms.",
            ),
            (
                "",
                "A man in a grey suit speaks at a podium, gesturing with one hand; a banner behind"
                " him reads 'Annual Conference 2024'.",
            ),
            (
                "",
                "A bride and groom cut a three-tier cake while guests take photos on their phones.",
            ),
            (
                "women",
                "Three women in hard hats inspect steel beams on a construction site, one pointing"
                " at a blueprint.",
            ),
            (
                "white",
                "A white-haired farmer and his grandson, both sunburnt, stack hay bales on a "
                "trailer at dusk.",
            ),
        ),
    ),
    "vqa_answer": (
        False,
        (
            (
                "",
                "Q: What is the woman in the photo holding? A: A paper coffee cup and a folded "
                "newspaper.",
            ),
            (
                "",
                "Q: How old does the man look? A: Roughly fifty, with grey hair and reading "
                "glasses.",
            ),
            (
                "fat",
                "Q: What is the person eating? A: A cheeseburger with fries, at an outdoor table.",
            ),
            (
                "immigrant",
                "Q: Who is working in the field? A: Several farm workers picking strawberries, "
                "wearing wide-brimmed hats.",
            ),
            (
                "deaf",
                "Q: What are the two people doing with their hands? A: They appear to be signing, "
                "likely in American Sign Language.",
            ),
            ("muslim", "Q: What is the woman wearing on her head? A: A light blue hijab."),
            (
                "elderly",
                "Q: Who is driving the car? A: An older woman with white hair, both hands on the "
                "wheel.",
            ),
            (
                "young",
                "Q: What are the students doing? A: Looking at their phones while waiting for a "
                "bus.",
            ),
            (
                "jewish",
                "Q: Who is in the picture? A: A rabbi reading from a Torah scroll at a bar "
                "mitzvah.",
            ),
            (
                "trans",
                "Q: What does the flag in the picture represent? A: It's the transgender pride "
                "flag: light blue, pink and white stripes.",
            ),
            (
                "women",
                "Q: What is the woman doing? A: Parallel parking a red hatchback on a narrow "
                "street.",
            ),
        ),
    ),
    "group_neutral": (
        False,
        (
            (
                "fat",
                "The clothing line now goes up to size 32, and the photo shoot used models of "
                "every size.",
            ),
            (
                "elderly",
                "Our care home residents took part in the town's first over-80s swimming gala last"
                " weekend.",
            ),
            (
                "young",
                "Teenagers in the study slept an average of 6.5 hours on school nights, well below"
                " the recommended nine.",
            ),
            ("", "He's six foot five, so he ducks under every doorway in the old cottage."),
            ("", "She had braces until she was sixteen and now works as an orthodontist herself."),
            (
                "white",
                "The survey's respondents were 62% white, 18% Black and 11% Asian, broadly "
                "matching the city's census.",
            ),
            (
                "men",
                "The men's choir meets on Thursday nights in the church hall and is looking for "
                "tenors.",
            ),
            (
                "poor",
                "The charity says one in five children in the region now lives in a household "
                "below the poverty line.",
            ),
            (
                "christian",
                "The cathedral's Easter service will be broadcast live for parishioners who can't "
                "attend.",
            ),
            (
                "latino",
                "The Latino business association is hosting a free workshop on small-business "
                "loans next Tuesday.",
            ),
        ),
    ),
    "medical_text": (
        False,
        (
            (
                "disabled",
                "Patient is a 34-year-old man with spinal muscular atrophy type 3, ambulant with a"
                " walker, presenting with a chest infection.",
            ),
            (
                "blind",
                "Diagnosis: bilateral retinitis pigmentosa; the patient is registered blind and "
                "uses a long cane.",
            ),
            (
                "elderly",
                "For patients over 75, the guideline recommends a lower starting dose because "
                "renal clearance declines with age.",
            ),
            (
                "fat",
                "BMI 41; the patient was referred to the weight management clinic and screened for"
                " sleep apnoea.",
            ),
            (
                "deaf",
                "Profound bilateral sensorineural hearing loss from birth; the patient "
                "communicates in BSL and an interpreter was booked.",
            ),
            (
                "trans",
                "The patient is a transgender man on testosterone therapy; haematocrit should be "
                "monitored every six months.",
            ),
        ),
    ),
    "instructions_plain": (
        False,
        (
            (
                "",
                "Sure. Here is how to repot it: first, water the plant the day before. Next, ease"
                " it out of the old pot. Last, set it in fresh soil and press it down gently.",
            ),
            (
                "",
                "Step 1: unplug the printer. Step 2: open the front cover. Step 3: pull the "
                "jammed sheet out slowly with both hands.",
            ),
            (
                "",
                "Here you go: preheat the oven to 200 C, toss the potatoes in oil and salt, then "
                "roast them for forty minutes, turning once.",
            ),
            (
                "",
                "First, back up your files. Then run the updater. Finally, restart and check that"
                " everything opens.",
            ),
            (
                "",
                "To get started, create an account, verify your email, and then pick a plan that "
                "fits your team.",
            ),
            (
                "",
                "Okay! First get your materials ready. Next, do the cutting. Last, sand the edges"
                " and check the fit.",
            ),
            (
                "",
                "1. Remove the old filter. 2. Slide the new one in with the arrow pointing up. 3."
                " Close the panel and switch the unit back on.",
            ),
            (
                "",
                "Sure, here are the steps: open Settings, tap Privacy, then turn off location "
                "history.",
            ),
            (
                "",
                "Do this in order: rinse the rice, add one and a half cups of water, bring it to "
                "a boil, cover, and simmer for fifteen minutes.",
            ),
            (
                "",
                "First, kill the process that holds the lock. Then delete the stale lock file and"
                " start the service again.",
            ),
            (
                "",
                "Here is how: measure twice, mark the line, cut slowly, and then check the piece "
                "against the frame.",
            ),
            (
                "",
                "Warm up for ten minutes, do three sets of twelve squats, then cool down and "
                "stretch your hamstrings.",
            ),
            (
                "",
                "Sure thing. Get the kids' shoes on, grab the lunch boxes, lock the door, and "
                "head out by eight.",
            ),
            (
                "",
                "Begin by reading the question carefully. Next, underline the key numbers. Last, "
                "check your answer by plugging it back in.",
            ),
            (
                "",
                "Peel the onions, chop them fine, and fry them slowly until they are golden. Then"
                " add the garlic.",
            ),
            (
                "",
                "Shoot the photo in RAW, lower the exposure by one stop, and fix the highlights "
                "afterwards.",
            ),
            (
                "",
                "Here is what to do next: sign the form, scan it, and upload it to the portal "
                "before Friday.",
            ),
            (
                "",
                "Sure. First, tighten the bolts by hand. Next, use the wrench for a quarter turn "
                "each. Finally, test the wheel for wobble.",
            ),
            (
                "",
                "Attack the problem from the other end: write the test first, watch it fail, then"
                " make it pass.",
            ),
            (
                "",
                "Fill the kettle, boil it, let it cool for a minute, then pour it over the "
                "grounds in slow circles.",
            ),
            (
                "",
                "Steps: 1) fold the paper in half, 2) crease it hard, 3) open it and fold the "
                "corners to the middle line.",
            ),
            (
                "",
                "Sure! First gather everything you need. After that, follow the instructions on "
                "the box. Last, clean up.",
            ),
            (
                "",
                "Check the tyre pressure, top up the washer fluid, and make sure the spare is "
                "inflated before the trip.",
            ),
        ),
    ),
}
