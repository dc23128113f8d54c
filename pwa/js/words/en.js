// The patient app's words in English: plain, warm, about a sixth-grade level. One entry per
// sentence or label, `{name}` where a value goes in. Every key here is in es.js too, with the
// same `{names}` (tests/browser/test_catalogs.py). The instruments' own wording is not here:
// it comes from their definitions (surveys/instruments/), in the language they were published in.

export default {
  "app.opening": "Opening Waypoint…",
  "app.getHelp": "Get help now",
  "app.error.title": "Something went wrong",
  "app.error.text":
    "Please close the app and open it again. Your saved answers are still on this phone.",
  "language.switch": "Español",
  "language.switchLabel": "Ver la aplicación en español",

  "instrument.mood.name": "Today's mood",
  "instrument.mood.about": "One quick question: your mood today, from 0 to 10",
  "instrument.phq9.name": "Mood check-in",
  "instrument.phq9.about":
    "9 questions about your mood over the last 2 weeks, and sometimes 1 about daily life",
  "instrument.gad7.name": "Worry check-in",
  "instrument.gad7.about":
    "7 questions about worry and stress over the last 2 weeks, and sometimes 1 about daily life",
  "instrument.post_session.name": "After-session check",
  "instrument.post_session.about": "A few questions about how you felt after your last treatment",
  "instrument.asq.name": "A few more questions",
  "instrument.asq.about": "Questions your care team asks to understand how to help",
  "instrument.nameWithTitle": "{name} ({title})",
  "instrument.notInLanguage": "",
  "instrument.startedInLanguage":
    "You started these questions in Spanish, so they stay in Spanish until you finish.",
  "instrument.itemNotInLanguage": "",

  "score.outOf": "{total} out of {max}",
  "score.inRange": "{score}, in the {band} range",
  "score.firstOne": "This is your first one, so it will be the starting point to compare with.",
  "score.lastOn": "{comparison} your last check-in on {day}",
  "score.first": "{comparison} your first one",
  "score.thatIs": "That is {parts}.",
  "score.and": ", and ",
  "score.lower": "lower than",
  "score.higher": "higher than",
  "score.same": "the same as",
  "score.lowerIsBetter": "Lower numbers mean the problems bothered you less.",
  "score.higherIsBetter": "Higher numbers mean you felt better.",
  "score.rated": "You rated your mood {score}.",
  "score.addsUp": "Your answers add up to {score}.",

  "delivery.told": "Your care team has been told.",
  "delivery.sending": "Still sending your answers to your care team…",
  "delivery.offline":
    "Your answers are saved on this phone and will be sent when you are back online.",
  "delivery.refused":
    "Your answers could not be sent. They are still on this phone; please tell your care team.",
  "delivery.unsent":
    "Your answers are saved on this phone. Your care team will get them when you finish.",
  "monitoring.reach":
    "If you need to talk to someone now, please call or text one of the numbers here.",
  "monitoring.hours":
    "They do not watch this app all day and night, so they may not see your answers right away.",
  "monitoring.callNowReach": "Please do not wait for them: call {number} now.",

  "result.title": "Check-in",
  "status.saving": "Saving your answers…",
  "status.waiting": "Saved on this phone. It will send when you are online.",
  "status.later": "Saved on this phone. It will be sent in a minute or so.",
  "status.sent": "Sent to your care team.",
  "status.refused":
    "One check-in could not be sent, but your answers are still on this phone. Please tell your care team.",
  "status.signedOut":
    "Saved on this phone. To send it, please open your invite link again or ask your care team for a new one.",

  "stop.title": "Stop these reminders",
  "stop.lead":
    "Tap the button to stop check-in reminders by the way this message reached you. Your check-ins stay in the app.",
  "stop.button": "Stop these reminders",
  "stop.sending": "Stopping…",
  "stop.offline": "Your phone seems to be offline. Please connect to the internet and try again.",
  "stop.failed": "Something went wrong on our side. Please try again in a minute.",
  "channels.title": "How reminders reach you",
  "channels.hint":
    "Choose one or more. Each check-in is reminded once, by the first that can reach you.",
  "channels.webpush": "Notifications on this phone",
  "channels.email": "Email",
  "channels.sms": "Text message",
  "channels.email_label": "Email address",
  "channels.phone_label": "Mobile number, with country code",
  "channels.phone_hint": "For example +1 202 555 0123. Replies are not read.",
  "channels.current": "Now: {hint}. Leave empty to keep it.",
  "channels.none": "Your clinic does not send reminders outside the app right now.",
  "channels.save": "Use these ways",
  "channels.saving": "Saving…",
  "channels.saved": "Saved. Reminders will reach you this way.",
  "channels.refused": "That could not be saved. Please check it and try again.",
  "channels.offline":
    "Changing this needs the internet. Please try again when your phone is online.",
  "channels.push_note":
    "Notifications on this phone need them allowed: the app asks after a check-in.",

  "crisis.call": "Call {phone}",
  "crisis.text": "Text {sms}",
  "crisis.textKeyword": "Text {keyword} to {sms}",
  "crisis.chat": "Chat online",
  "crisis.newTab": " (opens a new tab)",
  "crisis.listLabel": "People you can reach now",
  "crisis.supportTitle": "You do not have to go through this alone",
  "crisis.supportText":
    "Thank you for telling us. If you are thinking about hurting yourself, please reach out now. The crisis lines are free and open day and night.",
  "crisis.urgentTitle": "Please get help right now",
  "crisis.urgentText":
    "Your safety matters most. Please call now, or go to the nearest emergency room. If you can, stay with someone you trust.",
  "crisis.emergencyServices": "Emergency services",
  "crisis.callNowTitle": "Call {number} now",
  "crisis.callNowText":
    "Chest pain, trouble breathing, a sudden severe headache or a change in your eyesight after ketamine or esketamine can be signs of a dangerous rise in blood pressure. Do not wait to see if it passes, and do not drive yourself.",
  "crisis.helpBarLabel": "Help now",
  "crisis.helpBarText": "Need to talk to someone now?",
  "crisis.lifelineName": "988 Suicide & Crisis Lifeline",
  "crisis.lifelineNote": "",

  "checkin.title": "Check-in",
  "checkin.cannotOpen": "This check-in could not open",
  "checkin.tryOnline": "Please try again when your phone is online.",
  "checkin.backHome": "Back to home",
  "checkin.resumeText":
    "When you are ready, you can finish your check-in. Your answers so far are saved.",
  "checkin.continue": "Continue my check-in",
  "checkin.writeShort": "Please write a short answer.",
  "checkin.canSkip": "You can skip this.",
  "checkin.next": "Next",
  "checkin.progress": "Question {number} of {total}",
  "checkin.back": "Back",
  "checkin.skip": "Skip this question",
  "checkin.saved": "Your answers are saved.",

  "retake.answerAgain": "Answer again",
  "retake.title": "You already answered the {name} today",
  "retake.text":
    "These questions are about the last 2 weeks, so once a day is enough. Your earlier answers are saved.",
  "retake.question": "Do you want to answer them again?",
  "retake.notNow": "Not now",

  "home.title": "Home",
  "home.hello": "Hello",
  "home.helloName": "Hello, {name}",
  "home.outboxOne": "1 check-in on this phone",
  "home.outboxMany": "{count} check-ins on this phone",
  "home.ready": "Your {name} is ready",
  "home.next": "Your next check-in",
  "home.takes": "It takes about two minutes.",
  "home.nextOn": "{name} on {day}.",
  "home.startNow": "Start now",
  "home.supportTitle": "Help is here",
  "home.supportText":
    "If things feel hard, you can talk to someone now, day or night. You do not have to wait for your care team.",
  "home.supportButton": "See who you can reach now",
  "home.lead":
    "Thank you for taking a moment for yourself. Your answers help your care team help you.",
  "home.followUpTitle": "A few more questions",
  "home.followUpText":
    "Your care team asks a few short yes-or-no questions after your last check-in.",
  "home.followUpButton": "Answer the questions",
  "home.draftTitle": "You started a check-in",
  "home.draftText": "Your answers so far are saved on this phone.",
  "home.draftButton": "Continue where I left off",
  "home.anyTime": "Check in any time",
  "home.history": "See how you have been doing",
  "home.reminders": "Reminders",
  "welcome.title": "Welcome",
  "welcome.heading": "Welcome to Waypoint",
  "welcome.lead":
    "Waypoint helps you and your care team follow how you are doing between treatment sessions.",
  "welcome.text":
    "To start, open the invite link your care team sent you on this phone. If the link has stopped working, please ask them for a new one.",
  "welcome.waiting": "Answers waiting on this phone",

  "done.thanks": "Thank you for checking in",
  "done.followUpText":
    "When someone has these thoughts, your care team asks a few short yes-or-no questions. Your answers help them know how best to help you.",
  "done.scoreLater": "Your score will show in your history when your phone is online.",
  "done.notJudgment": "{direction} This is one way to follow how you are doing, not a judgment.",
  "done.compareLater": "We will compare it with your earlier check-ins when your phone is online.",

  "help.title": "Help",
  "help.lead":
    "If you are thinking about hurting yourself, or you are in danger, please reach out now. You do not have to wait for your care team.",
  "help.notWatched": "Your care team does not watch this app all day and night.",
  "help.emergency": " In an emergency, call emergency services right away.",

  "history.title": "History",
  "history.heading": "How you have been doing",
  "history.one": "One check-in so far: {score}.",
  "history.many": "{count} check-ins. The first was {first}; the latest is {last}.",
  "history.each": "Each check-in",
  "history.lead": "Each dot is one check-in. The colored bands show what the numbers mean.",
  "history.empty": "Your check-ins will show here after your first one.",
  "history.newestLater": "Your newest check-ins will show here when your phone is online.",
  "history.needsInternet":
    "Your history needs the internet. Your check-ins are safe on this phone in the meantime.",

  "reminders.title": "Reminders",
  "reminders.heading": "Your reminders",
  "reminders.everyDay": "Every day {at}.",
  "reminders.everyWeek": "Every week",
  "reminders.everyWeeks": "Every {weeks} weeks",
  "reminders.onDay": "{every}, on {days}, {at}.",
  "reminders.at": "{every}, {at}.",
  "reminders.everyDays": "Every {days} days {at}.",
  "reminders.whenTitle": "When your check-ins come",
  "reminders.sessionAnchored":
    "After each treatment session, there are also a few check-ins in the days that follow, at the same time of day.",
  "reminders.comingUp": "Coming up",
  "reminders.nothing": "Nothing is planned right now.",
  "reminders.save": "Save",
  "reminders.changeTitle": "Change the time",
  "reminders.pick":
    "Pick a time when you usually have a quiet moment. Your care team decides how often.",
  "reminders.timeOfDay": "Time of day",
  "reminders.dayOfWeek": "Day of the week",
  "reminders.useZone": "Use this phone's time zone ({phone}) instead of {zone}",
  "reminders.zone": "Times are in your time zone, {zone}.",
  "reminders.saving": "Saving…",
  "reminders.notSaved": "That time could not be saved. Please check it and try again.",
  "reminders.needsInternetSave":
    "Changing the time needs the internet. Please try again when your phone is online.",
  "reminders.needsInternet":
    "Seeing and changing your reminders needs the internet. Please try again when your phone is online.",
  "reminders.saved": "Saved. Your check-ins will come at the new time.",
  "reminders.lead": "Check-ins come at a time that suits you. You can change it whenever you like.",
  "weekday.0": "Monday",
  "weekday.1": "Tuesday",
  "weekday.2": "Wednesday",
  "weekday.3": "Thursday",
  "weekday.4": "Friday",
  "weekday.5": "Saturday",
  "weekday.6": "Sunday",
  "weekdays.0": "Mondays",
  "weekdays.1": "Tuesdays",
  "weekdays.2": "Wednesdays",
  "weekdays.3": "Thursdays",
  "weekdays.4": "Fridays",
  "weekdays.5": "Saturdays",
  "weekdays.6": "Sundays",

  "push.yes": "Yes, remind me",
  "push.no": "No, thanks",
  "push.title": "Would you like a reminder?",
  "push.text":
    "We can send a short note to this phone when your next check-in is ready. It never shows your answers. You can turn it off any time in your phone's settings.",
  "push.on": "Reminders are on.",
  "push.off": "No problem. Reminders are off.",
  "push.failed": "Reminders could not be turned on right now. You can try again later.",

  "join.title": "Welcome · Waypoint",
  "join.heading": "Welcome to Waypoint",
  "join.lead":
    "Your care team invited you to Waypoint. It helps you and them see how you are doing between treatment sessions.",
  "join.howTitle": "How it works",
  "join.step1":
    "Every so often, you answer a few short questions about how you have been feeling. It takes about two minutes.",
  "join.step2":
    "Your answers go to your care team, so they can see what is helping and when to check on you.",
  "join.step3":
    "It works on a weak connection, too. Your answers wait safely on this phone until they can be sent.",
  "join.step4": "If you ever need help right away, the app shows you who to call or text.",
  "join.privacyTitle": "Your privacy",
  "join.privacy":
    "Only you and your care team can see your answers. There is no password to remember: this phone stays signed in. Please use your own phone.",
  "join.start": "Start using Waypoint",
  "join.tryAgain": "Try again",
  "join.settingUp": "Setting up…",
  "join.incomplete":
    "This invite link is not complete. Please open the link from your care team again.",
  "join.ourSide": "Something went wrong on our side. Please try again in a minute.",
  "join.offline": "Your phone seems to be offline. Please connect to the internet and try again.",

  // At-home doses (issue #20): kind and plain, a dose held back is for safety, never a
  // telling-off. "{at}" is a time with its words ("at 9:02 AM").
  "time.at": "at {time}",
  "time.atOne": "at {time}",
  "dose.homeTitle": "Your dose at home",
  "dose.homeStart":
    "Before each dose, check your blood pressure and heart rate with your own cuff. It takes about two minutes.",
  "dose.homeStartButton": "Start my pre-dose check",
  "dose.homeResting": "You are resting after your dose.",
  "dose.homeRestingButton": "See my rest timer",
  "dose.homeDue": "Your after-dose check is ready. It has a few short questions.",
  "dose.homeDueButton": "Start my after-dose check",
  "dose.homePending": "Your check said you can take your dose. Did you take it?",
  "dose.homePendingButton": "Go back to my check",
  "dose.noPlanTitle": "Doses at home are not set up",
  "dose.noPlan":
    "Your care team has not set up doses at home in this app. If you think this is a mistake, please ask them.",
  "dose.checkTitle": "Before your dose",
  "dose.checkLead":
    "Please sit and rest for 5 minutes first. Then measure your blood pressure and heart rate with your own cuff.",
  "dose.systolic": "Top number (systolic)",
  "dose.diastolic": "Bottom number (diastolic)",
  "dose.heartRate": "Heart rate (pulse)",
  "dose.readingHint": "Type the number your cuff shows.",
  "dose.monitorQuestion":
    "Is your monitor with you now? This is the person who stays with you during your dose.",
  "dose.monitorQuestionNamed":
    "Is {name}, your monitor, with you now? This is the person who stays with you during your dose.",
  "dose.symptomsQuestion":
    "Since your last dose, have you had anything new, like chest pain, a very bad headache, feeling confused, or trouble breathing?",
  "dose.outsideQuestion": "Have you taken a dose that this app does not know about?",
  "dose.outsideWhen": "When did you take it?",
  "dose.outsideNote": "Thank you for telling us. It helps your care team keep you safe.",
  "dose.lastDose": "Your last dose was on {when}.",
  "dose.noLastDose": "This app does not have a dose from you yet.",
  "dose.yes": "Yes",
  "dose.no": "No",
  "dose.submit": "Check if I can take my dose",
  "dose.fixErrors": "Please check the answers marked below.",
  "dose.error.systolic": "Please type the top number from your cuff. It is between 60 and 260.",
  "dose.error.diastolic":
    "Please type the bottom number from your cuff. It is between 30 and 160, and smaller than the top number.",
  "dose.error.heartRate": "Please type your heart rate from your cuff. It is between 30 and 220.",
  "dose.error.choose": "Please choose yes or no.",
  "dose.error.outsideWhen": "Please say when you took it. It cannot be later than now.",
  "dose.holdTitle": "Please do not take your dose now",
  "dose.holdLead": "This is to keep you safe. You have not done anything wrong.",
  "dose.reasonsTitle": "Why, and what to do",
  "dose.bpHigh":
    "Your blood pressure ({systolic}/{diastolic}) is higher than your plan allows ({systolicMax}/{diastolicMax}).",
  "dose.heartRateHigh":
    "Your heart rate ({heartRate}) is higher than your plan allows ({heartRateMax}).",
  "dose.sitAndRecheck":
    "Sit quietly for 15 minutes, then check again. If it stays high, please call your care team.",
  "dose.monitorAbsent": "Your plan says your monitor must be with you during your dose.",
  "dose.monitorAbsentWhat": "Please wait until they are with you, then check again.",
  "dose.newSymptoms": "You have had something new since your last dose.",
  "dose.newSymptomsWhat":
    "Please talk to your care team before you take another dose. If you have chest pain, trouble breathing or a very bad headache now, call 911.",
  "dose.tooSoon": "It is too soon after your last dose.",
  "dose.tooSoonWhat": "You can check again after {when}.",
  "dose.weeklyMaxOne": "You have taken the dose your plan allows in 7 days.",
  "dose.weeklyMaxMany": "You have taken the {count} doses your plan allows in 7 days.",
  "dose.weeklyMaxWhat": "Please wait a few days, or talk to your care team.",
  "dose.prescriptionUsed": "You have taken all the doses of this prescription.",
  "dose.prescriptionUsedWhat": "Please ask your care team about what comes next.",
  "dose.told.sending": "Sending this to your care team…",
  "dose.told.offline":
    "This is saved on this phone. Your care team will be told when you are back online.",
  "dose.told.refused":
    "This could not be sent. It is still on this phone; please tell your care team.",
  "dose.checkAgain": "Check again",
  "dose.okTitle": "You can take your dose now",
  "dose.okLead": "Your numbers are inside your plan's limits.",
  "dose.okStep1": "Take your dose the way your care team showed you.",
  "dose.okStep2": "Then tap “{button}”, so the app can time your rest.",
  "dose.took": "I took my dose",
  "dose.notNow": "I will not take it now",
  "dose.stale":
    "This check was more than 30 minutes ago. Please check again before you take your dose.",
  "dose.restTitle": "Rest now",
  "dose.restTook": "You took your dose {at}.",
  "dose.restElapsed": "Time since your dose: {span}.",
  "dose.restNext": "Your after-dose check is {at}. We will ask you a few short questions then.",
  "dose.restTipsTitle": "While you rest",
  "dose.restTip1": "Stay in a safe, quiet place, sitting or lying down.",
  "dose.restTip2": "Keep your monitor with you.",
  "dose.restTip2Named": "Keep {name}, your monitor, with you.",
  "dose.restTip3": "Do not drive or use machines for the rest of today.",
  "dose.restTip4":
    "If you have chest pain, trouble breathing, a very bad headache or a change in your eyesight, call 911 now.",
  "dose.restDue": "It is time for your after-dose check.",
  "dose.afterTitle": "After your dose",
  "dose.safeQuestion": "Are you safe right now?",
  "dose.safeYes": "Yes, I am safe",
  "dose.safeNo": "No, I do not feel safe",
  "dose.afterContinue": "Continue my after-dose check",
  "dose.passedQuestion": "Has the dreamy or far-away feeling from your dose passed?",
  "dose.passedYes": "Yes, it has passed",
  "dose.passedNo": "Not yet",
  "dose.notYetTitle": "That is okay",
  "dose.notYet":
    "It can take a while. Please stay where you are with your monitor, and do not drive. Try again in about 30 minutes.",
  "dose.askAgain": "Ask me again",
  "dose.goOn": "Answer the other questions now",
};
