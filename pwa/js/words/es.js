// The patient app's words in Spanish (US), "usted" as the published PHQ-9 and GAD-7 speak.
// Waypoint's own text, translated by us; the instruments' wording is never translated here
// (surveys/instruments/es/ holds the published versions). Same keys and `{names}` as en.js.

export default {
  "app.opening": "Abriendo Waypoint…",
  "app.getHelp": "Ayuda ahora",
  "app.error.title": "Algo salió mal",
  "app.error.text":
    "Por favor, cierre la aplicación y ábrala de nuevo. Sus respuestas guardadas siguen en este teléfono.",
  "language.switch": "English",
  "language.switchLabel": "See the app in English",

  "instrument.mood.name": "Ánimo de hoy",
  "instrument.mood.about": "Una pregunta rápida: su ánimo hoy, del 0 al 10",
  "instrument.phq9.name": "Chequeo del ánimo",
  "instrument.phq9.about":
    "9 preguntas sobre su ánimo en las últimas 2 semanas y, a veces, 1 sobre su vida diaria",
  "instrument.gad7.name": "Chequeo de preocupación",
  "instrument.gad7.about":
    "7 preguntas sobre preocupación y estrés en las últimas 2 semanas y, a veces, 1 sobre su vida diaria",
  "instrument.post_session.name": "Chequeo después de la sesión",
  "instrument.post_session.about":
    "Algunas preguntas sobre cómo se sintió después de su último tratamiento",
  "instrument.asq.name": "Algunas preguntas más",
  "instrument.asq.about": "Preguntas que hace su equipo de atención para saber cómo ayudarle",
  "instrument.nameWithTitle": "{name} ({title})",
  "instrument.notInLanguage":
    "Estas preguntas se muestran en inglés: no hay una versión publicada en español que hayamos podido verificar, y no las traducimos nosotros para no cambiar lo que miden.",
  "instrument.startedInLanguage":
    "Empezó estas preguntas en inglés, así que siguen en inglés hasta que termine.",
  "instrument.itemNotInLanguage":
    "Esta pregunta se muestra en inglés: no pudimos verificar su versión publicada en español.",

  "score.outOf": "{total} de {max}",
  "score.inRange": "{score}, en el rango «{band}»",
  "score.firstOne": "Este es el primero, así que será el punto de partida para comparar.",
  "score.lastOn": "{comparison} su último chequeo, del {day}",
  "score.first": "{comparison} el primero",
  "score.thatIs": "Es {parts}.",
  "score.and": ", y ",
  "score.lower": "más bajo que",
  "score.higher": "más alto que",
  "score.same": "igual que",
  "score.lowerIsBetter": "Los números más bajos significan que los problemas le molestaron menos.",
  "score.higherIsBetter": "Los números más altos significan que se sintió mejor.",
  "score.rated": "Usted calificó su ánimo con {score}.",
  "score.addsUp": "Sus respuestas suman {score}.",

  "delivery.told": "Ya se le avisó a su equipo de atención.",
  "delivery.sending": "Todavía enviando sus respuestas a su equipo de atención…",
  "delivery.offline":
    "Sus respuestas están guardadas en este teléfono y se enviarán cuando vuelva a tener internet.",
  "delivery.refused":
    "Sus respuestas no se pudieron enviar. Siguen en este teléfono; por favor, avísele a su equipo de atención.",
  "delivery.unsent":
    "Sus respuestas están guardadas en este teléfono. Su equipo de atención las recibirá cuando termine.",
  "monitoring.reach":
    "Si necesita hablar con alguien ahora, por favor llame o envíe un mensaje de texto a uno de estos números.",
  "monitoring.hours":
    "No miran esta aplicación todo el día y toda la noche, así que puede que no vean sus respuestas enseguida.",
  "monitoring.callNowReach": "Por favor, no espere a que le contesten: llame al {number} ahora.",

  "result.title": "Chequeo",
  "status.saving": "Guardando sus respuestas…",
  "status.waiting": "Guardado en este teléfono. Se enviará cuando tenga internet.",
  "status.later": "Guardado en este teléfono. Se enviará en un minuto más o menos.",
  "status.sent": "Enviado a su equipo de atención.",
  "status.refused":
    "Un chequeo no se pudo enviar, pero sus respuestas siguen en este teléfono. Por favor, avísele a su equipo de atención.",
  "status.signedOut":
    "Guardado en este teléfono. Para enviarlo, por favor abra otra vez su enlace de invitación o pida uno nuevo a su equipo de atención.",

  "stop.title": "Dejar de recibir estos recordatorios",
  "stop.lead":
    "Toque el botón para dejar de recibir recordatorios de chequeo por la vía en que le llegó este mensaje. Sus chequeos siguen en la aplicación.",
  "stop.button": "Dejar de recibir estos recordatorios",
  "stop.sending": "Deteniendo…",
  "stop.offline":
    "Parece que su teléfono no tiene internet. Por favor, conéctese e inténtelo otra vez.",
  "stop.failed": "Algo salió mal de nuestro lado. Por favor, inténtelo otra vez en un minuto.",
  "channels.title": "Cómo le llegan los recordatorios",
  "channels.hint":
    "Elija una o más. Cada chequeo se recuerda una sola vez, por la primera que le llegue.",
  "channels.webpush": "Notificaciones en este teléfono",
  "channels.email": "Correo electrónico",
  "channels.sms": "Mensaje de texto",
  "channels.email_label": "Dirección de correo electrónico",
  "channels.phone_label": "Número de celular, con el código del país",
  "channels.phone_hint": "Por ejemplo +1 202 555 0123. Las respuestas no se leen.",
  "channels.current": "Ahora: {hint}. Déjelo vacío para mantenerlo.",
  "channels.none": "Su clínica no envía recordatorios fuera de la aplicación por ahora.",
  "channels.save": "Usar estas formas",
  "channels.saving": "Guardando…",
  "channels.saved": "Guardado. Los recordatorios le llegarán de esta forma.",
  "channels.refused": "No se pudo guardar. Por favor, revíselo e inténtelo otra vez.",
  "channels.offline":
    "Para cambiar esto se necesita internet. Por favor, inténtelo otra vez cuando su teléfono tenga conexión.",
  "channels.push_note":
    "Las notificaciones en este teléfono necesitan su permiso: la aplicación lo pide después de un chequeo.",

  "crisis.call": "Llamar al {phone}",
  "crisis.text": "Enviar un texto al {sms}",
  "crisis.textKeyword": "Envíe {keyword} al {sms}",
  "crisis.chat": "Chat en línea",
  "crisis.newTab": " (se abre en otra pestaña)",
  "crisis.listLabel": "Con quién puede hablar ahora",
  "crisis.supportTitle": "No tiene que pasar por esto solo(a)",
  "crisis.supportText":
    "Gracias por decírnoslo. Si está pensando en hacerse daño, por favor busque ayuda ahora. Las líneas de crisis son gratuitas y atienden de día y de noche.",
  "crisis.urgentTitle": "Por favor, busque ayuda ahora mismo",
  "crisis.urgentText":
    "Su seguridad es lo más importante. Por favor, llame ahora o vaya a la sala de emergencias más cercana. Si puede, quédese con alguien de confianza.",
  "crisis.emergencyServices": "Servicios de emergencia",
  "crisis.callNowTitle": "Llame al {number} ahora",
  "crisis.callNowText":
    "El dolor en el pecho, la dificultad para respirar, un dolor de cabeza fuerte y repentino o un cambio en la vista después de la ketamina o la esketamina pueden ser señales de una subida peligrosa de la presión arterial. No espere a ver si se le pasa, y no maneje usted mismo(a).",
  "crisis.helpBarLabel": "Ayuda ahora",
  "crisis.helpBarText": "¿Necesita hablar con alguien ahora?",
  "crisis.lifelineName": "Línea 988 de Prevención del Suicidio y Crisis",
  "crisis.lifelineNote":
    "Al llamar, oprima 2 para hablar en español. Por texto, envíe AYUDA al 988.",

  "checkin.title": "Chequeo",
  "checkin.cannotOpen": "Este chequeo no se pudo abrir",
  "checkin.tryOnline": "Por favor, inténtelo de nuevo cuando su teléfono tenga internet.",
  "checkin.backHome": "Volver al inicio",
  "checkin.resumeText":
    "Cuando esté listo(a), puede terminar su chequeo. Sus respuestas hasta ahora están guardadas.",
  "checkin.continue": "Seguir con mi chequeo",
  "checkin.writeShort": "Por favor, escriba una respuesta corta.",
  "checkin.canSkip": "Puede saltarse esta pregunta.",
  "checkin.next": "Siguiente",
  "checkin.progress": "Pregunta {number} de {total}",
  "checkin.back": "Atrás",
  "checkin.skip": "Saltar esta pregunta",
  "checkin.saved": "Sus respuestas están guardadas.",

  "retake.answerAgain": "Contestar otra vez",
  "retake.title": "Ya contestó el {name} hoy",
  "retake.text":
    "Estas preguntas son sobre las últimas 2 semanas, así que una vez al día es suficiente. Sus respuestas anteriores están guardadas.",
  "retake.question": "¿Quiere contestarlas otra vez?",
  "retake.notNow": "Ahora no",

  "home.title": "Inicio",
  "home.hello": "Hola",
  "home.helloName": "Hola, {name}",
  "home.outboxOne": "1 chequeo en este teléfono",
  "home.outboxMany": "{count} chequeos en este teléfono",
  "home.ready": "Su {name} está listo",
  "home.next": "Su próximo chequeo",
  "home.takes": "Toma unos dos minutos.",
  "home.nextOn": "{name}: {day}.",
  "home.startNow": "Empezar ahora",
  "home.supportTitle": "Aquí hay ayuda",
  "home.supportText":
    "Si las cosas se sienten difíciles, puede hablar con alguien ahora, de día o de noche. No tiene que esperar a su equipo de atención.",
  "home.supportButton": "Ver con quién puede hablar ahora",
  "home.lead":
    "Gracias por tomarse un momento para usted. Sus respuestas ayudan a su equipo de atención a ayudarle.",
  "home.followUpTitle": "Algunas preguntas más",
  "home.followUpText":
    "Su equipo de atención hace unas preguntas cortas de sí o no después de su último chequeo.",
  "home.followUpButton": "Contestar las preguntas",
  "home.draftTitle": "Empezó un chequeo",
  "home.draftText": "Sus respuestas hasta ahora están guardadas en este teléfono.",
  "home.draftButton": "Seguir donde lo dejé",
  "home.anyTime": "Haga un chequeo cuando quiera",
  "home.history": "Ver cómo ha estado",
  "home.reminders": "Recordatorios",
  "welcome.title": "Bienvenida",
  "welcome.heading": "Bienvenido(a) a Waypoint",
  "welcome.lead":
    "Waypoint les ayuda a usted y a su equipo de atención a seguir cómo está entre las sesiones de tratamiento.",
  "welcome.text":
    "Para empezar, abra en este teléfono el enlace de invitación que le envió su equipo de atención. Si el enlace ya no funciona, por favor pídales uno nuevo.",
  "welcome.waiting": "Respuestas esperando en este teléfono",

  "done.thanks": "Gracias por hacer su chequeo",
  "done.followUpText":
    "Cuando alguien tiene estos pensamientos, su equipo de atención hace unas preguntas cortas de sí o no. Sus respuestas les ayudan a saber cómo ayudarle mejor.",
  "done.scoreLater": "Su puntaje aparecerá en su historial cuando su teléfono tenga internet.",
  "done.notJudgment": "{direction} Es una manera de seguir cómo está, no un juicio sobre usted.",
  "done.compareLater":
    "Lo compararemos con sus chequeos anteriores cuando su teléfono tenga internet.",

  "help.title": "Ayuda",
  "help.lead":
    "Si está pensando en hacerse daño, o está en peligro, por favor busque ayuda ahora. No tiene que esperar a su equipo de atención.",
  "help.notWatched": "Su equipo de atención no mira esta aplicación todo el día y toda la noche.",
  "help.emergency": " En una emergencia, llame enseguida a los servicios de emergencia.",

  "history.title": "Historial",
  "history.heading": "Cómo ha estado",
  "history.one": "Un chequeo hasta ahora: {score}.",
  "history.many": "{count} chequeos. El primero fue {first}; el más reciente es {last}.",
  "history.each": "Cada chequeo",
  "history.lead":
    "Cada punto es un chequeo. Las franjas de color muestran qué significan los números.",
  "history.empty": "Sus chequeos aparecerán aquí después del primero.",
  "history.newestLater":
    "Sus chequeos más recientes aparecerán aquí cuando su teléfono tenga internet.",
  "history.needsInternet":
    "Su historial necesita internet. Mientras tanto, sus chequeos están seguros en este teléfono.",

  "reminders.title": "Recordatorios",
  "reminders.heading": "Sus recordatorios",
  // A sentence that ends in a time has no period of its own: US Spanish times end in "p.m.".
  "reminders.everyDay": "Todos los días {at}",
  "reminders.everyWeek": "Cada semana",
  "reminders.everyWeeks": "Cada {weeks} semanas",
  "reminders.onDay": "{every}, los {days}, {at}",
  "reminders.at": "{every}, {at}",
  "reminders.everyDays": "Cada {days} días {at}",
  "reminders.whenTitle": "Cuándo llegan sus chequeos",
  "reminders.sessionAnchored":
    "Después de cada sesión de tratamiento también hay algunos chequeos en los días siguientes, a la misma hora.",
  "reminders.comingUp": "Próximos",
  "reminders.nothing": "No hay nada planeado por ahora.",
  "reminders.save": "Guardar",
  "reminders.changeTitle": "Cambiar la hora",
  "reminders.pick":
    "Elija una hora en la que suela tener un momento tranquilo. Su equipo de atención decide cada cuánto.",
  "reminders.timeOfDay": "Hora del día",
  "reminders.dayOfWeek": "Día de la semana",
  "reminders.useZone": "Usar la zona horaria de este teléfono ({phone}) en lugar de {zone}",
  "reminders.zone": "Las horas están en su zona horaria, {zone}.",
  "reminders.saving": "Guardando…",
  "reminders.notSaved": "Esa hora no se pudo guardar. Por favor, revísela e inténtelo de nuevo.",
  "reminders.needsInternetSave":
    "Para cambiar la hora se necesita internet. Por favor, inténtelo de nuevo cuando su teléfono tenga internet.",
  "reminders.needsInternet":
    "Para ver y cambiar sus recordatorios se necesita internet. Por favor, inténtelo de nuevo cuando su teléfono tenga internet.",
  "reminders.saved": "Guardado. Sus chequeos llegarán a la nueva hora.",
  "reminders.lead":
    "Los chequeos llegan a la hora que mejor le quede. Puede cambiarla cuando quiera.",
  "weekday.0": "lunes",
  "weekday.1": "martes",
  "weekday.2": "miércoles",
  "weekday.3": "jueves",
  "weekday.4": "viernes",
  "weekday.5": "sábado",
  "weekday.6": "domingo",
  "weekdays.0": "lunes",
  "weekdays.1": "martes",
  "weekdays.2": "miércoles",
  "weekdays.3": "jueves",
  "weekdays.4": "viernes",
  "weekdays.5": "sábados",
  "weekdays.6": "domingos",

  "push.yes": "Sí, recuérdenme",
  "push.no": "No, gracias",
  "push.title": "¿Quiere un recordatorio?",
  "push.text":
    "Podemos enviar una nota corta a este teléfono cuando su próximo chequeo esté listo. Nunca muestra sus respuestas. Puede apagarlo cuando quiera en la configuración de su teléfono.",
  "push.on": "Los recordatorios están activados.",
  "push.off": "No hay problema. Los recordatorios están desactivados.",
  "push.failed": "No se pudieron activar los recordatorios ahora. Puede intentarlo más tarde.",

  "join.title": "Bienvenida · Waypoint",
  "join.heading": "Bienvenido(a) a Waypoint",
  "join.lead":
    "Su equipo de atención le invitó a Waypoint. Les ayuda a usted y a ellos a ver cómo está entre las sesiones de tratamiento.",
  "join.howTitle": "Cómo funciona",
  "join.step1":
    "De vez en cuando, usted contesta unas preguntas cortas sobre cómo se ha sentido. Toma unos dos minutos.",
  "join.step2":
    "Sus respuestas van a su equipo de atención, para que vean qué le está ayudando y cuándo comunicarse con usted.",
  "join.step3":
    "También funciona con una conexión débil. Sus respuestas esperan seguras en este teléfono hasta que se puedan enviar.",
  "join.step4":
    "Si alguna vez necesita ayuda enseguida, la aplicación le muestra a quién llamar o escribir.",
  "join.privacyTitle": "Su privacidad",
  "join.privacy":
    "Solo usted y su equipo de atención pueden ver sus respuestas. No hay contraseña que recordar: este teléfono sigue con la sesión iniciada. Por favor, use su propio teléfono.",
  "join.start": "Empezar a usar Waypoint",
  "join.tryAgain": "Intentar de nuevo",
  "join.settingUp": "Preparando…",
  "join.incomplete":
    "Este enlace de invitación no está completo. Por favor, abra otra vez el enlace de su equipo de atención.",
  "join.ourSide": "Algo salió mal de nuestro lado. Por favor, inténtelo de nuevo en un minuto.",
  "join.offline":
    "Parece que su teléfono no tiene internet. Por favor, conéctese e inténtelo de nuevo.",

  // Dosis en casa (issue #20). "el acompañante": the monitor, the person who stays with the
  // patient during a dose. "a la" for one o'clock, "a las" otherwise (words.js picks). A
  // sentence that ends in a time has no period of its own: US Spanish times end in "p.m.".
  "time.at": "a las {time}",
  "time.atOne": "a la {time}",
  "dose.homeTitle": "Su dosis en casa",
  "dose.homeStart":
    "Antes de cada dosis, mida su presión arterial y su pulso con su propio aparato de presión. Toma unos dos minutos.",
  "dose.homeStartButton": "Empezar mi chequeo antes de la dosis",
  "dose.homeResting": "Usted está descansando después de su dosis.",
  "dose.homeRestingButton": "Ver mi tiempo de descanso",
  "dose.homeDue": "Su chequeo después de la dosis está listo. Tiene unas pocas preguntas cortas.",
  "dose.homeDueButton": "Empezar mi chequeo después de la dosis",
  "dose.homePending": "Su chequeo dijo que puede tomar su dosis. ¿La tomó?",
  "dose.homePendingButton": "Volver a mi chequeo",
  "dose.noPlanTitle": "Las dosis en casa no están activadas",
  "dose.noPlan":
    "Su equipo de atención no ha activado las dosis en casa en esta aplicación. Si cree que es un error, por favor pregúnteles.",
  "dose.checkTitle": "Antes de su dosis",
  "dose.checkLead":
    "Primero, por favor siéntese y descanse 5 minutos. Luego mida su presión arterial y su pulso con su propio aparato de presión.",
  "dose.systolic": "Número de arriba (sistólica)",
  "dose.diastolic": "Número de abajo (diastólica)",
  "dose.heartRate": "Ritmo cardíaco (pulso)",
  "dose.readingHint": "Escriba el número que muestra su aparato.",
  "dose.monitorQuestion":
    "¿Está su acompañante con usted ahora? Es la persona que se queda con usted durante su dosis.",
  "dose.monitorQuestionNamed":
    "¿Está {name}, su acompañante, con usted ahora? Es la persona que se queda con usted durante su dosis.",
  "dose.symptomsQuestion":
    "Desde su última dosis, ¿ha tenido algo nuevo, como dolor en el pecho, un dolor de cabeza muy fuerte, confusión o dificultad para respirar?",
  "dose.outsideQuestion": "¿Ha tomado alguna dosis que esta aplicación no conoce?",
  "dose.outsideWhen": "¿Cuándo la tomó?",
  "dose.outsideNote":
    "Gracias por decírnoslo. Esto ayuda a su equipo de atención a cuidar su seguridad.",
  "dose.lastDose": "Su última dosis fue el {when}",
  "dose.noLastDose": "Esta aplicación todavía no tiene ninguna dosis suya.",
  "dose.yes": "Sí",
  "dose.no": "No",
  "dose.submit": "Revisar si puedo tomar mi dosis",
  "dose.fixErrors": "Por favor, revise las respuestas marcadas abajo.",
  "dose.error.systolic":
    "Por favor, escriba el número de arriba de su aparato. Está entre 60 y 260.",
  "dose.error.diastolic":
    "Por favor, escriba el número de abajo de su aparato. Está entre 30 y 160, y es menor que el número de arriba.",
  "dose.error.heartRate":
    "Por favor, escriba el pulso que muestra su aparato. Está entre 30 y 220.",
  "dose.error.choose": "Por favor, elija sí o no.",
  "dose.error.outsideWhen": "Por favor, diga cuándo la tomó. No puede ser más tarde que ahora.",
  "dose.holdTitle": "Por favor, no tome su dosis ahora",
  "dose.holdLead": "Es para cuidar su seguridad. Usted no ha hecho nada malo.",
  "dose.reasonsTitle": "Por qué, y qué hacer",
  "dose.bpHigh":
    "Su presión arterial ({systolic}/{diastolic}) está más alta de lo que permite su plan ({systolicMax}/{diastolicMax}).",
  "dose.heartRateHigh":
    "Su pulso ({heartRate}) está más alto de lo que permite su plan ({heartRateMax}).",
  "dose.sitAndRecheck":
    "Siéntese tranquilo(a) por 15 minutos y luego revise otra vez. Si el número sigue alto, por favor llame a su equipo de atención.",
  "dose.monitorAbsent": "Su plan dice que su acompañante debe estar con usted durante su dosis.",
  "dose.monitorAbsentWhat": "Por favor, espere a que esté con usted y luego revise otra vez.",
  "dose.newSymptoms": "Ha tenido algo nuevo desde su última dosis.",
  "dose.newSymptomsWhat":
    "Por favor, hable con su equipo de atención antes de tomar otra dosis. Si ahora tiene dolor en el pecho, dificultad para respirar o un dolor de cabeza muy fuerte, llame al 911.",
  "dose.tooSoon": "Es muy pronto después de su última dosis.",
  "dose.tooSoonWhat": "Puede revisar otra vez después del {when}",
  "dose.weeklyMaxOne": "Ya tomó la dosis que su plan permite en 7 días.",
  "dose.weeklyMaxMany": "Ya tomó las {count} dosis que su plan permite en 7 días.",
  "dose.weeklyMaxWhat": "Por favor, espere unos días o hable con su equipo de atención.",
  "dose.prescriptionUsed": "Ya tomó todas las dosis de esta receta.",
  "dose.prescriptionUsedWhat": "Por favor, pregunte a su equipo de atención qué sigue ahora.",
  "dose.told.sending": "Enviando esto a su equipo de atención…",
  "dose.told.offline":
    "Esto está guardado en este teléfono. Se le avisará a su equipo de atención cuando vuelva a tener internet.",
  "dose.told.refused":
    "Esto no se pudo enviar. Sigue en este teléfono; por favor, avísele a su equipo de atención.",
  "dose.checkAgain": "Revisar otra vez",
  "dose.okTitle": "Puede tomar su dosis ahora",
  "dose.okLead": "Sus números están dentro de los límites de su plan.",
  "dose.okStep1": "Tome su dosis como le enseñó su equipo de atención.",
  "dose.okStep2":
    "Luego toque «{button}», para que la aplicación pueda medir el tiempo de su descanso.",
  "dose.took": "Tomé mi dosis",
  "dose.notNow": "No la voy a tomar ahora",
  "dose.stale":
    "Este chequeo fue hace más de 30 minutos. Por favor, revise otra vez antes de tomar su dosis.",
  "dose.restTitle": "Descanse ahora",
  "dose.restTook": "Tomó su dosis {at}",
  "dose.restElapsed": "Tiempo desde su dosis: {span}.",
  "dose.restNext":
    "Su chequeo después de la dosis es {at}: entonces le haremos unas preguntas cortas.",
  "dose.restTipsTitle": "Mientras descansa",
  "dose.restTip1": "Quédese en un lugar seguro y tranquilo, sentado(a) o acostado(a).",
  "dose.restTip2": "Mantenga a su acompañante con usted.",
  "dose.restTip2Named": "Mantenga a {name}, su acompañante, con usted.",
  "dose.restTip3": "No maneje ni use máquinas por el resto del día.",
  "dose.restTip4":
    "Si tiene dolor en el pecho, dificultad para respirar, un dolor de cabeza muy fuerte o un cambio en la vista, llame al 911 ahora.",
  "dose.restDue": "Es hora de su chequeo después de la dosis.",
  "dose.afterTitle": "Después de su dosis",
  "dose.safeQuestion": "¿Está a salvo en este momento?",
  "dose.safeYes": "Sí, estoy a salvo",
  "dose.safeNo": "No, no me siento a salvo",
  "dose.afterContinue": "Seguir con mi chequeo después de la dosis",
  "dose.passedQuestion":
    "¿Ya se le pasó la sensación de estar como en un sueño o lejos de todo que le dio la dosis?",
  "dose.passedYes": "Sí, ya se me pasó",
  "dose.passedNo": "Todavía no",
  "dose.notYetTitle": "Está bien",
  "dose.notYet":
    "Puede tardar un rato. Por favor, quédese donde está con su acompañante, y no maneje. Vuelva a intentarlo en unos 30 minutos.",
  "dose.askAgain": "Pregúnteme otra vez",
  "dose.goOn": "Contestar las otras preguntas ahora",
};
