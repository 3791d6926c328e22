"""The words of the demo article and of the editors' console, in Arabic, French and English."""
from __future__ import annotations

LANG_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}

REASONS = {
    "ar": {"nudity": "عري", "violence": "عنف", "hate": "كراهية", "spam": "محتوى مزعج", "misleading": "مضللة",
           "copyright": "حقوق المؤلف", "other": "سبب آخر"},
    "fr": {"nudity": "Nudité", "violence": "Violence", "hate": "Haine", "spam": "Spam", "misleading": "Trompeuse",
           "copyright": "Droit d'auteur", "other": "Autre raison"},
    "en": {"nudity": "Nudity", "violence": "Violence", "hate": "Hate", "spam": "Spam", "misleading": "Misleading",
           "copyright": "Copyright", "other": "Other"},
}

# The demo's photographs: image id (what the site would choose), scene name, and where they stand.
PHOTOS = {"kasbah": "demo-1842.kasbah", "souk": "demo-1842.souk", "coast": "demo-1842.coast",
          "atlas": "demo-1842.atlas"}

DEMO = {
    "ar": {
        "site": "الأطلس بريس",
        "tagline": "جريدة إلكترونية مغربية — صفحة تجريبية",
        "nav": ["الرئيسية", "سياسة", "اقتصاد", "مجتمع", "ثقافة", "رياضة"],
        "date": "السبت 28 نونبر 2026",
        "kicker": "ثقافة",
        "headline": "مهرجان التراث المغربي يجوب القصبات والأسواق والسواحل في دورته الأولى",
        "byline": "الرباط — هيئة التحرير",
        "lede": "انطلقت، أمس الجمعة، فعاليات الدورة الأولى لمهرجان التراث المغربي، الذي يقترح على الزوار على مدى "
                "عشرة أيام رحلة بين قصبات الجنوب وأسواق المدن العتيقة وسواحل الأطلسي وقرى الأطلس.",
        "blocks": [
            ("p", "وأوضح المنظمون، في ندوة صحفية، أن المهرجان يراهن على التعريف بالموروث المعماري والحرفي للمملكة، "
                  "وعلى تشجيع السياحة الداخلية خارج المدن الكبرى، من خلال برنامج يضم معارض وجولات مصحوبة بمرشدين "
                  "وورشات للحرفيين."),
            ("figure", "kasbah", "قصبة طينية بأبراج مسننة عند غروب الشمس",
             "قصبة في ضواحي ورزازات عند الغروب، إحدى المحطات الأولى للمهرجان."),
            ("p", "وفي ورزازات، تحتضن القصبات المرممة حديثا معارض للصور القديمة وعروضا لفن أحواش، فيما يشارك "
                  "بنّاؤون تقليديون في ورشات لتعليم تقنيات البناء بالتراب المدكوك."),
            ("figure", "souk", "أكوام توابل ملونة وفوانيس تحت مظلات مخططة في سوق",
             "توابل وفوانيس في سوق بالمدينة العتيقة لمراكش."),
            ("p", "أما في مراكش وفاس، فيفتح الحرفيون أبواب ورشاتهم للزوار، ويقدم الطباخون عروضا حول استعمال "
                  "التوابل في المطبخ المغربي، وسط إقبال لافت من العائلات والطلبة."),
            ("figure", "coast", "قوارب صيد زرقاء في البحر أمام سور أبيض بنوافذ زرقاء",
             "قوارب الصيد الزرقاء أمام أسوار الصويرة."),
            ("p", "ويختتم المهرجان في الصويرة بأمسيات موسيقية على الشاطئ، بعد محطة في قرى الأطلس الكبير حيث ينظم "
                  "السكان مسارات للمشي بين الجبال."),
            ("figure", "atlas", "جبال بقمم مكسوة بالثلج فوق واد أخضر يخترقه ممر",
             "قمم الأطلس الكبير المكسوة بالثلوج فوق وادٍ أخضر."),
            ("p", "ويؤكد المنظمون أن الدخول إلى جميع الأنشطة مجاني، وأن البرنامج الكامل متاح على موقع المهرجان."),
        ],
        "about_title": "عن هذه الصفحة",
        "about": "هذه صفحة تجريبية لخدمة imgmod. تحت كل صورة زر «إبلاغ». عندما يبلغ {threshold} قراء مختلفين عن "
                 "صورة، تحجبها الخدمة، وعند إعادة تحميل الصفحة تظهر صورة بديلة مكانها. يمكن للمحررين إعادة إظهارها "
                 "من لوحة المحررين.",
        "console": "لوحة المحررين",
        "noscript": "الإبلاغ عن الصور يحتاج إلى JavaScript.",
        "footer": "© 2026 الأطلس بريس — موقع تجريبي، والأخبار الواردة فيه متخيلة.",
    },
    "fr": {
        "site": "Atlas Presse",
        "tagline": "Journal marocain en ligne — page de démonstration",
        "nav": ["Accueil", "Politique", "Économie", "Société", "Culture", "Sport"],
        "date": "Samedi 28 novembre 2026",
        "kicker": "Culture",
        "headline": "Le festival du patrimoine marocain parcourt kasbahs, souks et côtes pour sa première édition",
        "byline": "Rabat — La rédaction",
        "lede": "La première édition du festival du patrimoine marocain s'est ouverte vendredi : dix jours de voyage "
                "entre les kasbahs du Sud, les souks des médinas, la côte atlantique et les villages de l'Atlas.",
        "blocks": [
            ("p", "Les organisateurs ont expliqué en conférence de presse vouloir faire connaître le patrimoine "
                  "architectural et artisanal du Royaume et encourager le tourisme intérieur loin des grandes villes, "
                  "avec des expositions, des visites guidées et des ateliers d'artisans."),
            ("figure", "kasbah", "Kasbah en pisé aux tours crénelées au coucher du soleil",
             "Une kasbah des environs de Ouarzazate au coucher du soleil, l'une des premières étapes."),
            ("p", "À Ouarzazate, les kasbahs récemment restaurées accueillent des expositions de photographies "
                  "anciennes et des spectacles d'ahwach, tandis que des maçons traditionnels enseignent la technique "
                  "du pisé."),
            ("figure", "souk", "Cônes d'épices colorées et lanternes sous des auvents rayés dans un souk",
             "Épices et lanternes dans un souk de la médina de Marrakech."),
            ("p", "À Marrakech et à Fès, les artisans ouvrent leurs ateliers au public et des cuisiniers présentent "
                  "l'usage des épices dans la cuisine marocaine, devant un public nombreux de familles et d'étudiants."),
            ("figure", "coast", "Barques de pêche bleues devant un rempart blanc aux fenêtres bleues",
             "Les barques bleues devant les remparts d'Essaouira."),
            ("p", "Le festival se clôt à Essaouira par des soirées musicales sur la plage, après une étape dans les "
                  "villages du Haut Atlas où les habitants proposent des randonnées."),
            ("figure", "atlas", "Montagnes aux sommets enneigés au-dessus d'une vallée verte traversée par un chemin",
             "Les sommets enneigés du Haut Atlas au-dessus d'une vallée verdoyante."),
            ("p", "Selon les organisateurs, l'entrée est gratuite pour toutes les activités et le programme complet "
                  "est disponible sur le site du festival."),
        ],
        "about_title": "À propos de cette page",
        "about": "Ceci est la page de démonstration d'imgmod. Sous chaque photo, un bouton « Signaler ». Quand "
                 "{threshold} lecteurs différents signalent une photo, le service la masque ; au rechargement de la "
                 "page, une image de remplacement s'affiche à sa place. Les éditeurs peuvent la rétablir depuis la "
                 "console.",
        "console": "Console des éditeurs",
        "noscript": "Le signalement des images nécessite JavaScript.",
        "footer": "© 2026 Atlas Presse — site de démonstration, les nouvelles y sont imaginaires.",
    },
    "en": {
        "site": "Atlas Press",
        "tagline": "A Moroccan online newspaper — demo page",
        "nav": ["Home", "Politics", "Economy", "Society", "Culture", "Sport"],
        "date": "Saturday 28 November 2026",
        "kicker": "Culture",
        "headline": "Moroccan heritage festival tours kasbahs, souks and coasts in its first edition",
        "byline": "Rabat — Newsroom",
        "lede": "The first Moroccan heritage festival opened on Friday: ten days of travel between the kasbahs of the "
                "south, the souks of the old cities, the Atlantic coast and the villages of the Atlas.",
        "blocks": [
            ("p", "The organisers told a press conference they want to make the Kingdom's architectural and craft "
                  "heritage better known and to encourage domestic tourism away from the big cities, with "
                  "exhibitions, guided tours and craft workshops."),
            ("figure", "kasbah", "Mud-brick kasbah with crenellated towers at sunset",
             "A kasbah near Ouarzazate at sunset, one of the festival's first stops."),
            ("p", "In Ouarzazate, newly restored kasbahs host exhibitions of old photographs and ahwach performances, "
                  "while traditional builders teach the rammed-earth technique."),
            ("figure", "souk", "Cones of coloured spices and lanterns under striped awnings in a souk",
             "Spices and lanterns in a souk of Marrakech's medina."),
            ("p", "In Marrakech and Fez, craftspeople open their workshops to visitors and cooks show how spices are "
                  "used in Moroccan cooking, to large crowds of families and students."),
            ("figure", "coast", "Blue fishing boats at sea in front of a white rampart with blue windows",
             "Blue fishing boats in front of Essaouira's ramparts."),
            ("p", "The festival ends in Essaouira with music on the beach, after a stop in the villages of the High "
                  "Atlas, where residents lead hikes through the mountains."),
            ("figure", "atlas", "Snow-capped mountains above a green valley crossed by a path",
             "The snow-capped peaks of the High Atlas above a green valley."),
            ("p", "The organisers say all events are free and the full programme is on the festival's website."),
        ],
        "about_title": "About this page",
        "about": "This is imgmod's demo page. Under each photo is a \"Report\" button. When {threshold} different "
                 "readers report a photo, the service hides it, and on reload a placeholder stands in its place. "
                 "Editors can restore it from the console.",
        "console": "Editors' console",
        "noscript": "Reporting images needs JavaScript.",
        "footer": "© 2026 Atlas Press — a demo site; its news is made up.",
    },
}

ADMIN = {
    "ar": {
        "when": "الوقت", "event": "الحدث", "actor": "المنفّذ", "detail": "التفاصيل",
        "title": "لوحة المحررين", "token": "رمز المحرر", "sign_in": "دخول", "sign_out": "خروج ونسيان الرمز",
        "token_help": "يبقى الرمز في هذا المتصفح ما دامت نافذة من نوافذ اللوحة مفتوحة، ويُنسى عند الخروج أو عند "
                      "إغلاق آخر نافذة، ولا يُرسل إلا في ترويسة Authorization.",
        "refused": "الرمز مرفوض.", "forbidden": "هذا مفتاح واجهة، وليس رمز محرر.",
        "unavailable": "الخدمة غير متاحة حاليا، حاول بعد قليل.", "failed": "تعذر تنفيذ الطلب:",
        "tabs": {"review": "للمراجعة", "pending": "في الانتظار", "reported": "الأكثر إبلاغًا عنها", "hidden": "محجوبة",
                 "protected": "محمية"},
        "find": "معرّف الصورة", "show": "عرض", "refresh": "تحديث", "more": "المزيد", "empty": "لا توجد صور هنا.",
        "states": {"visible": "ظاهرة", "review": "تنتظر المراجعة", "pending": "في انتظار الحجب", "hidden": "محجوبة"},
        "protected_badge": "محمية", "reports": "الإبلاغات", "of": "من", "reasons": "الأسباب",
        "first": "أول إبلاغ", "last": "آخر إبلاغ", "hidden_at": "حُجبت في",
        "restored_until": "حُكم بأنها سليمة: تُحال الإبلاغات الجديدة إلى المراجعة حتى",
        "score": "النقاط بالنسبة إلى العتبة", "review_score": "نقاط المراجعة",
        "reporters": "المبلّغون", "anonymous": "مجهولون: {n}", "accounts": "حسابات في الموقع: {n}",
        "poor_record": "منها بسجل ضعيف: {n}", "nobody": "لا أحد منذ آخر إعادة إظهار",
        "comments": "تعليقات القراء", "no_comments": "لا تعليقات.",
        "photo_alt": "الصورة المبلَّغ عنها {id}", "reveal": "أظهر الصورة", "blur": "موّه الصورة من جديد",
        "open_photo": "افتح الصورة في نافذة جديدة", "no_photo": "عنوان الصورة غير معروف",
        "reader_url": "عنوان قدّمه قارئ، لا الموقع",
        "photo_failed": "تعذّر عرض الصورة: عنوانها لا يجيب أو غير مسموح به.",
        "placeholder_alt": "الصورة البديلة لـ {id}",
        "confirm": "الإبلاغات صحيحة", "restore": "الصورة سليمة", "hide": "احجبها الآن",
        "protect": "احمها", "unprotect": "ارفع الحماية", "history": "السجل",
        "ask": {
            "confirm": {"title": "هل الإبلاغات عن {id} صحيحة؟",
                        "help": "ستُحجب الصورة في كل المواقع (الآن إن لم تكن محجوبة) وتبقى محجوبة إلى أن يعيد محرر "
                                "إظهارها. تزداد الثقة في حسابات الموقع التي أبلغت عنها.",
                        "yes": "نعم، الإبلاغات صحيحة"},
            "restore": {"title": "هل الصورة {id} سليمة؟",
                        "help": "ستظهر الصورة من جديد في كل المواقع، وتُرفض إبلاغاتها: لن يُحتسب هؤلاء المبلّغون "
                                "عليها مرة أخرى. تنقص الثقة في حسابات الموقع التي أبلغت عنها.",
                        "yes": "نعم، أعد إظهارها",
                        "ignore": "أعد إظهارها دون الحكم على المبلّغين"},
            "hide": {"title": "هل تحجب {id} الآن في كل المواقع؟",
                     "help": "تحل الصورة البديلة محل الصورة في الموقع فورا، دون حكم على المبلّغين.",
                     "yes": "نعم، احجبها الآن"},
        },
        "note": "ملاحظة للسجل (اختيارية)", "cancel": "إلغاء",
        "forget": "نسيان المبلّغين (يمكن أن يُحتسبوا من جديد)",
        "done": {"confirm": "تأكّد حجب {id}: الإبلاغات صحيحة.", "restore": "أُعيد إظهار {id}.",
                 "hide": "حُجبت {id}.", "protect": "أصبحت {id} محمية.", "unprotect": "رُفعت الحماية عن {id}."},
        "matches": "الصورة نفسها في مواضع أخرى", "copy_of": "نسخة من {source}",
        "copies": "نسخ حُجبت بسببها: {n}", "no_copies": "لم تُحجب أي نسخة بسببها.",
        "distance": "على بعد {distance} بت", "more_copies": "و{n} أخرى",
        "history_of": "سجل {id}", "no_events": "لا أحداث.", "system": "تلقائي",
        "events": {"hidden": "حجب تلقائي", "reset": "إعادة إظهار", "manual_hide": "حجب يدوي", "protected": "حماية",
                   "unprotected": "رفع الحماية", "confirmed": "تأكيد الحجب", "review": "طلب مراجعة",
                   "matched": "حجب لأنها الصورة نفسها"},
        "details": {
            "hidden": "الإبلاغات: {count}، النقاط: {score}", "previous": "إبلاغات مرفوضة: {count}",
            "disagree": "الإبلاغات خاطئة: تنقص الثقة في {count} من حسابات الموقع",
            "ignore": "دون حكم على المبلّغين", "was_hidden": "كانت محجوبة", "was_in_review": "كانت تنتظر المراجعة",
            "forgot": "نُسي المبلّغون: يمكن أن يُحتسبوا من جديد",
            "agreed": "الإبلاغات صحيحة: تزداد الثقة في {count} من حسابات الموقع",
            "already_hidden": "كانت محجوبة من قبل", "no_change": "دون تغيير",
            "cancelled": "أُلغي حجب كان في الانتظار", "review": "نقاط المراجعة {score}",
            "brake": "بلغ الحجب التلقائي حده في هذه الساعة، النقاط: {score}", "matched": "الصورة نفسها مثل {source}",
            "note": "ملاحظة:",
        },
    },
    "fr": {
        "when": "Quand", "event": "Événement", "actor": "Par", "detail": "Détails",
        "title": "Console des éditeurs", "token": "Jeton d'éditeur", "sign_in": "Connexion",
        "sign_out": "Se déconnecter et oublier le jeton",
        "token_help": "Le jeton reste dans ce navigateur tant qu'un onglet de la console est ouvert ; il est oublié "
                      "à la sortie ou à la fermeture du dernier onglet, et ne part que dans l'en-tête Authorization.",
        "refused": "Jeton refusé.", "forbidden": "C'est une clé de site, pas un jeton d'éditeur.",
        "unavailable": "Service indisponible ; réessayez dans un instant.", "failed": "La requête a échoué :",
        "tabs": {"review": "À examiner", "pending": "En attente", "reported": "Les plus signalées",
                 "hidden": "Masquées", "protected": "Protégées"},
        "find": "Identifiant d'image", "show": "Afficher", "refresh": "Actualiser", "more": "Afficher la suite",
        "empty": "Aucune image ici.",
        "states": {"visible": "visible", "review": "à examiner", "pending": "masquage en attente", "hidden": "masquée"},
        "protected_badge": "protégée", "reports": "Signalements", "of": "sur", "reasons": "Raisons",
        "first": "Premier signalement", "last": "Dernier signalement", "hidden_at": "Masquée le",
        "restored_until": "Jugée correcte : les nouveaux signalements l'envoient à l'examen jusqu'au",
        "score": "Score par rapport au seuil", "review_score": "Score d'examen",
        "reporters": "Signaleurs", "anonymous": "anonymes : {n}", "accounts": "comptes du site : {n}",
        "poor_record": "dont {n} souvent dans l'erreur", "nobody": "personne depuis le dernier rétablissement",
        "comments": "Commentaires des lecteurs", "no_comments": "Aucun commentaire.",
        "photo_alt": "La photo signalée {id}", "reveal": "Voir la photo", "blur": "Flouter à nouveau",
        "open_photo": "Ouvrir la photo dans un nouvel onglet", "no_photo": "Adresse de la photo inconnue",
        "reader_url": "Adresse donnée par un lecteur, pas par le site",
        "photo_failed": "La photo n'a pas pu être affichée : son adresse ne répond pas ou n'est pas autorisée.",
        "placeholder_alt": "L'image de remplacement de {id}",
        "confirm": "Les signalements sont fondés", "restore": "La photo est correcte", "hide": "Masquer maintenant",
        "protect": "Protéger", "unprotect": "Lever la protection", "history": "Historique",
        "ask": {
            "confirm": {"title": "Les signalements de {id} sont-ils fondés ?",
                        "help": "La photo est masquée sur tous les sites (maintenant, si elle ne l'est pas) et le "
                                "reste jusqu'à ce qu'un éditeur la rétablisse. Les comptes du site qui l'ont "
                                "signalée gagnent en confiance.",
                        "yes": "Oui, les signalements sont fondés"},
            "restore": {"title": "La photo {id} est-elle correcte ?",
                        "help": "La photo réapparaît sur tous les sites et ses signalements sont écartés : ces "
                                "signaleurs ne compteront plus sur elle. Les comptes du site qui l'ont signalée "
                                "perdent en confiance.",
                        "yes": "Oui, la rétablir",
                        "ignore": "La rétablir sans juger les signaleurs"},
            "hide": {"title": "Masquer {id} maintenant sur tous les sites ?",
                     "help": "L'image de remplacement prend aussitôt sa place sur le site, sans verdict sur les "
                             "signaleurs.",
                     "yes": "Oui, la masquer maintenant"},
        },
        "note": "Note pour l'historique (facultative)", "cancel": "Annuler",
        "forget": "Oublier les signaleurs (ils pourront compter à nouveau)",
        "done": {"confirm": "Masquage de {id} confirmé : les signalements sont fondés.", "restore": "{id} rétablie.",
                 "hide": "{id} masquée.", "protect": "{id} protégée.", "unprotect": "{id} n'est plus protégée."},
        "matches": "Même image ailleurs", "copy_of": "Copie de {source}",
        "copies": "Copies masquées à cause d'elle : {n}", "no_copies": "Aucune copie masquée à cause d'elle.",
        "distance": "à {distance} bits", "more_copies": "et {n} autres",
        "history_of": "Historique de {id}", "no_events": "Aucun événement.", "system": "automatique",
        "events": {"hidden": "Masquée automatiquement", "reset": "Rétablie", "manual_hide": "Masquée à la main",
                   "protected": "Protégée", "unprotected": "Protection levée", "confirmed": "Masquage confirmé",
                   "review": "Examen demandé", "matched": "Masquée : même image"},
        "details": {
            "hidden": "{count} signalements, score {score}", "previous": "{count} signalements écartés",
            "disagree": "signalements infondés : {count} comptes du site perdent en confiance",
            "ignore": "sans verdict sur les signaleurs", "was_hidden": "elle était masquée",
            "was_in_review": "elle attendait un examen",
            "forgot": "signaleurs oubliés : ils pourront compter à nouveau",
            "agreed": "signalements fondés : {count} comptes du site gagnent en confiance",
            "already_hidden": "elle était déjà masquée", "no_change": "aucun changement",
            "cancelled": "un masquage en attente a été annulé", "review": "score d'examen {score}",
            "brake": "le frein horaire des masquages automatiques a joué : score {score}",
            "matched": "même image que {source}", "note": "Note :",
        },
    },
    "en": {
        "when": "When", "event": "Event", "actor": "By", "detail": "Details",
        "title": "Editors' console", "token": "Editor token", "sign_in": "Sign in",
        "sign_out": "Sign out and forget the token",
        "token_help": "The token stays in this browser while a console tab is open; it is forgotten on sign-out or "
                      "when the last console tab closes, and is sent only in the Authorization header.",
        "refused": "Token refused.", "forbidden": "That is a frontend key, not an editor token.",
        "unavailable": "The service is unavailable; try again shortly.", "failed": "The request failed:",
        "tabs": {"review": "To review", "pending": "Pending", "reported": "Most reported", "hidden": "Hidden",
                 "protected": "Protected"},
        "find": "Image id", "show": "Show", "refresh": "Refresh", "more": "Load more", "empty": "No images here.",
        "states": {"visible": "visible", "review": "to review", "pending": "hide pending", "hidden": "hidden"},
        "protected_badge": "protected", "reports": "Reports", "of": "of", "reasons": "Reasons",
        "first": "First report", "last": "Last report", "hidden_at": "Hidden at",
        "restored_until": "Judged fine: new reports send it to review until",
        "score": "Score against threshold", "review_score": "Review score",
        "reporters": "Reporters", "anonymous": "{n} anonymous", "accounts": "{n} site accounts",
        "poor_record": "{n} of them with a poor record", "nobody": "nobody since the last restore",
        "comments": "Readers' comments", "no_comments": "No comments.",
        "photo_alt": "The reported photo {id}", "reveal": "Show the photo", "blur": "Blur it again",
        "open_photo": "Open the photo in a new tab", "no_photo": "The photo's address is not known",
        "reader_url": "Address given by a reader, not by the site",
        "photo_failed": "The photo could not be shown: its address does not answer or is not allowed.",
        "placeholder_alt": "The placeholder of {id}",
        "confirm": "The reports are right", "restore": "The photo is fine", "hide": "Hide now",
        "protect": "Protect", "unprotect": "Unprotect", "history": "History",
        "ask": {
            "confirm": {"title": "Are the reports on {id} right?",
                        "help": "The photo is hidden on every site (now, if it is not yet) and stays hidden until an "
                                "editor restores it. The site accounts that reported it gain trust.",
                        "yes": "Yes, the reports are right"},
            "restore": {"title": "Is the photo {id} fine?",
                        "help": "The photo shows again on every site and its reports are dismissed: these reporters "
                                "cannot count on it again. The site accounts that reported it lose trust.",
                        "yes": "Yes, restore it",
                        "ignore": "Restore it without judging the reporters"},
            "hide": {"title": "Hide {id} now, on every site?",
                     "help": "The placeholder replaces the photo on the live site at once; no verdict on the "
                             "reporters.",
                     "yes": "Yes, hide it now"},
        },
        "note": "Note for the history (optional)", "cancel": "Cancel",
        "forget": "Forget the reporters (they may count again)",
        "done": {"confirm": "Reports on {id} confirmed: the photo is hidden.", "restore": "{id} restored.",
                 "hide": "{id} hidden.", "protect": "{id} protected.", "unprotect": "{id} no longer protected."},
        "matches": "Same picture elsewhere", "copy_of": "Copy of {source}",
        "copies": "Copies hidden through it: {n}", "no_copies": "No copy hidden through it.",
        "distance": "{distance} bits apart", "more_copies": "and {n} more",
        "history_of": "History of {id}", "no_events": "No events.", "system": "automatic",
        "events": {"hidden": "Hidden automatically", "reset": "Restored", "manual_hide": "Hidden by hand",
                   "protected": "Protected", "unprotected": "Unprotected", "confirmed": "Reports confirmed",
                   "review": "Review requested", "matched": "Hidden: same picture"},
        "details": {
            "hidden": "{count} reports, score {score}", "previous": "{count} reports dismissed",
            "disagree": "the reports were wrong: {count} site accounts lose trust",
            "ignore": "no verdict on the reporters", "was_hidden": "it was hidden",
            "was_in_review": "it was waiting for review",
            "forgot": "reporters forgotten: they may count again",
            "agreed": "the reports were right: {count} site accounts gain trust",
            "already_hidden": "it was already hidden", "no_change": "no change",
            "cancelled": "a pending hide was cancelled", "review": "review score {score}",
            "brake": "the hourly brake on automatic hides held: score {score}",
            "matched": "same picture as {source}", "note": "Note:",
        },
    },
}

# Notices of illegal content (DSA Art 16) in the console: the queue ahead of readers' reports, and the
# editors' decision. Categories are the EU Transparency Database's; elements are those of Art 16(2).
NOTICE_TEXTS = {
    "ar": {
        "tab": "إشعارات",
        "empty": "لا إشعار ينتظر قرارا.",
        "heading": "إشعار {reference}",
        "complete": "مكتمل", "incomplete": "ناقص",
        "category": "الصنف", "received": "تاريخ الاستلام", "location": "مكان المحتوى", "law": "القانون المستند إليه",
        "completeness": "اكتمال الإشعار", "all_there": "يتضمن كل العناصر المطلوبة",
        "missing": "ينقصه: {elements}",
        "explanation": "شرح صاحب الإشعار", "images": "الصور المعنية",
        "decision": "القرار",
        "action": "ما العمل بالصور؟", "hide": "احجب الصور", "keep": "أبقِ الصور ظاهرة",
        "ground": "سند القرار", "illegal": "القانون: محتوى غير قانوني", "terms": "قواعد الموقع الخاصة بصور القراء",
        "your_explanation": "شرح القرار بكلماتك (يُرسل إلى صاحب الإشعار)",
        "redress": "سبل الطعن التي سيُخبَر بها صاحب الإشعار (من إعدادات الموقع)",
        "send": "أرسل القرار",
        "done_hide": "صدر القرار في الإشعار {reference}: حُجبت الصور.",
        "done_keep": "صدر القرار في الإشعار {reference}: تبقى الصور ظاهرة.",
        "on_image": "إشعارات بشأن هذه الصورة",
        "statuses": {"received": "ينتظر قرارا", "decided": "صدر فيه القرار"},
        "actions": {"hide": "حُجبت", "keep": "أُبقيت"},
        "elements": {"explanation": "الشرح", "location": "رابط الصفحة", "name": "الاسم", "email": "البريد الإلكتروني",
                     "bona_fide": "التصريح بحسن النية"},
        "categories": {
            "animal_welfare": "الرفق بالحيوان", "consumer_information": "الإخلال بإعلام المستهلك",
            "cyber_violence": "العنف الإلكتروني", "cyber_violence_against_women": "العنف الإلكتروني ضد النساء",
            "data_protection_and_privacy_violations": "انتهاك الخصوصية والمعطيات الشخصية",
            "illegal_or_harmful_speech": "خطاب غير قانوني أو مؤذٍ",
            "intellectual_property_infringements": "المس بالملكية الفكرية",
            "negative_effects_on_civic_discourse_or_elections": "الإضرار بالنقاش العام أو بالانتخابات",
            "not_specified_notice": "غير محدد", "other_violation_tc": "مخالفة أخرى لقواعد الموقع",
            "protection_of_minors": "حماية القاصرين", "risk_for_public_security": "خطر على الأمن العام",
            "scams_and_fraud": "النصب والاحتيال", "self_harm": "إيذاء النفس",
            "unsafe_and_prohibited_products": "منتجات خطيرة أو ممنوعة", "violence": "العنف"},
    },
    "fr": {
        "tab": "Notifications",
        "empty": "Aucune notification n'attend de décision.",
        "heading": "Notification {reference}",
        "complete": "complète", "incomplete": "incomplète",
        "category": "Catégorie", "received": "Reçue le", "location": "Emplacement", "law": "Loi invoquée",
        "completeness": "Complétude", "all_there": "Tous les éléments requis y sont",
        "missing": "Il manque : {elements}",
        "explanation": "Explication de l'auteur de la notification", "images": "Images visées",
        "decision": "Décision",
        "action": "Que faire des images ?", "hide": "Masquer les images", "keep": "Les laisser visibles",
        "ground": "Fondement", "illegal": "La loi : contenu illicite", "terms": "Les règles du site sur les photos des lecteurs",
        "your_explanation": "Explication de la décision, avec vos mots (envoyée à l'auteur de la notification)",
        "redress": "Voies de recours indiquées à l'auteur de la notification (réglages du site)",
        "send": "Envoyer la décision",
        "done_hide": "Notification {reference} tranchée : les images sont masquées.",
        "done_keep": "Notification {reference} tranchée : les images restent visibles.",
        "on_image": "Notifications visant cette image",
        "statuses": {"received": "en attente de décision", "decided": "tranchée"},
        "actions": {"hide": "masquées", "keep": "laissées visibles"},
        "elements": {"explanation": "l'explication", "location": "l'adresse de la page", "name": "le nom",
                     "email": "l'adresse e-mail", "bona_fide": "la déclaration de bonne foi"},
        "categories": {
            "animal_welfare": "Bien-être animal", "consumer_information": "Information des consommateurs",
            "cyber_violence": "Cyberviolence", "cyber_violence_against_women": "Cyberviolence envers les femmes",
            "data_protection_and_privacy_violations": "Atteinte à la vie privée et aux données personnelles",
            "illegal_or_harmful_speech": "Discours illicite ou préjudiciable",
            "intellectual_property_infringements": "Atteinte à la propriété intellectuelle",
            "negative_effects_on_civic_discourse_or_elections": "Atteinte au débat public ou aux élections",
            "not_specified_notice": "Non précisée", "other_violation_tc": "Autre manquement aux règles du site",
            "protection_of_minors": "Protection des mineurs", "risk_for_public_security": "Risque pour la sécurité publique",
            "scams_and_fraud": "Arnaques et fraude", "self_harm": "Automutilation",
            "unsafe_and_prohibited_products": "Produits dangereux ou interdits", "violence": "Violence"},
    },
    "en": {
        "tab": "Notices",
        "empty": "No notice is waiting for a decision.",
        "heading": "Notice {reference}",
        "complete": "complete", "incomplete": "incomplete",
        "category": "Category", "received": "Received", "location": "Where", "law": "Law invoked",
        "completeness": "Completeness", "all_there": "Every required element is there",
        "missing": "Missing: {elements}",
        "explanation": "The notifier's explanation", "images": "Images named",
        "decision": "Decision",
        "action": "What happens to the images?", "hide": "Hide the images", "keep": "Keep them visible",
        "ground": "Ground", "illegal": "The law: illegal content", "terms": "The site's rules for readers' photos",
        "your_explanation": "Your explanation, in your own words (sent to the notifier)",
        "redress": "Redress the notifier will be told of (from the site's settings)",
        "send": "Send the decision",
        "done_hide": "Notice {reference} decided: the images are hidden.",
        "done_keep": "Notice {reference} decided: the images stay visible.",
        "on_image": "Notices about this image",
        "statuses": {"received": "awaiting a decision", "decided": "decided"},
        "actions": {"hide": "hidden", "keep": "kept"},
        "elements": {"explanation": "explanation", "location": "page address", "name": "name", "email": "e-mail",
                     "bona_fide": "statement of good faith"},
        "categories": {
            "animal_welfare": "Animal welfare", "consumer_information": "Consumer information",
            "cyber_violence": "Cyber violence", "cyber_violence_against_women": "Cyber violence against women",
            "data_protection_and_privacy_violations": "Data protection and privacy violations",
            "illegal_or_harmful_speech": "Illegal or harmful speech",
            "intellectual_property_infringements": "Intellectual property infringements",
            "negative_effects_on_civic_discourse_or_elections": "Harm to civic discourse or elections",
            "not_specified_notice": "Not specified", "other_violation_tc": "Other breach of the site's rules",
            "protection_of_minors": "Protection of minors", "risk_for_public_security": "Risk for public security",
            "scams_and_fraud": "Scams and fraud", "self_harm": "Self-harm",
            "unsafe_and_prohibited_products": "Unsafe or prohibited products", "violence": "Violence"},
    },
}

# Signing in with the newsroom's accounts (service/web/oidc.py): the console's button, and the page of a refusal.
SIGN_IN = {
    "ar": {
        "title": "الدخول إلى لوحة المحررين",
        "with_newsroom": "الدخول بحساب غرفة الأخبار",
        "or_token": "أو برمز محرر (للأدوات والآلات):",
        "not_editor": "هذا الحساب ليس ضمن مجموعات المحررين ({groups}). اطلب من مسؤول غرفة الأخبار إضافتك إليها.",
        "signed_in_as": "باسم", "sign_out": "خروج",
        "who": "الحساب:",
        "back": "العودة إلى لوحة المحررين",
        "changed": "تغيّرت هذه الصورة منذ فتحتها، ولم يُنفَّذ أي شيء. هذه حالتها الآن؛ راجعها ثم قرّر من جديد.",
    },
    "fr": {
        "title": "Connexion à la console des éditeurs",
        "with_newsroom": "Se connecter avec le compte de la rédaction",
        "or_token": "Ou avec un jeton d'éditeur (outils et machines) :",
        "not_editor": "Ce compte ne fait partie d'aucun groupe d'éditeurs ({groups}). Demandez à l'administrateur "
                      "de la rédaction de vous y ajouter.",
        "signed_in_as": "Connecté en tant que", "sign_out": "Se déconnecter",
        "who": "Compte :",
        "back": "Retour à la console des éditeurs",
        "changed": "Cette image a changé depuis que vous l'avez ouverte : rien n'a été fait. La voici telle qu'elle "
                   "est maintenant ; vérifiez, puis décidez à nouveau.",
    },
    "en": {
        "title": "Sign in to the editors' console",
        "with_newsroom": "Sign in with your newsroom account",
        "or_token": "Or with an editor token (for tools and machines):",
        "not_editor": "This account is in none of the editor groups ({groups}). Ask your newsroom's administrator "
                      "to add you.",
        "signed_in_as": "Signed in as", "sign_out": "Sign out",
        "who": "Account:",
        "back": "Back to the editors' console",
        "changed": "This image changed since you opened it: nothing was done. Here it is as it is now; check it, "
                   "then decide again.",
    },
}


# The article a photo appeared in, on the console's cards.
ARTICLE = {
    "ar": {"article": "المقال", "open_article": "افتح المقال في نافذة جديدة",
           "reader_article": "رابط قدّمه قارئ، لا الموقع"},
    "fr": {"article": "Article", "open_article": "Ouvrir l'article dans un nouvel onglet",
           "reader_article": "Lien donné par un lecteur, pas par le site"},
    "en": {"article": "Article", "open_article": "Open the article in a new tab",
           "reader_article": "Link given by a reader, not by the site"},
}


# Two editors on one queue: who has an image open.
QUEUE_SHARED = {
    "ar": {"judging": "يراجعها الآن: {name}", "select": "تحديد", "selected": "المحدَّدة: {n}",
           "confirm": "الإبلاغات صحيحة عن الصور المحدَّدة", "restore": "الصور المحدَّدة سليمة",
           "ask": {"confirm": "هل الإبلاغات عن الصور المحدَّدة ({n}) صحيحة؟", "restore": "هل الصور المحدَّدة ({n}) سليمة؟"},
           "result": "نُفّذ: {done}. تغيّر في الأثناء ولم يُمسّ: {changed}. تعذّر: {failed}."},
    "fr": {"judging": "En cours d'examen par {name}", "select": "Sélectionner", "selected": "Sélection : {n}",
           "confirm": "Les signalements de la sélection sont fondés", "restore": "Les photos sélectionnées sont correctes",
           "ask": {"confirm": "Les signalements des photos sélectionnées ({n}) sont-ils fondés ?",
                   "restore": "Les photos sélectionnées ({n}) sont-elles correctes ?"},
           "result": "Fait : {done}. Changées entre-temps, laissées telles quelles : {changed}. Échecs : {failed}."},
    "en": {"judging": "Being judged by {name}", "select": "Select", "selected": "Selected: {n}",
           "confirm": "The reports are right for the selection", "restore": "The selected photos are fine",
           "ask": {"confirm": "Are the reports about the {n} selected photos right?",
                   "restore": "Are the {n} selected photos fine?"},
           "result": "Done: {done}. Changed meanwhile, left as they are: {changed}. Failed: {failed}."},
}


# How long the console offers to undo the last verdict (seconds).
UNDO_SECONDS = 8

# Undoing the last verdict: a confirm by the restore that teaches nothing, a restore by hiding again.
UNDO = {
    "ar": {"undo": "تراجع", "nothing": "لا شيء للتراجع عنه.",
           "undone_confirm": "تم التراجع: عادت {id} إلى الظهور، ولا أثر لإبلاغاتها في الثقة بأصحابها.",
           "undone_restore": "تم التراجع: حُجبت {id}.",
           "not_undoable": "لا تراجع هنا: كانت الصورة محجوبة من قبل.",
           "changed": "لم يتم التراجع: تغيّرت {id} في الأثناء.",
           "bulk_undone": "تم التراجع: {done}. تغيّر في الأثناء ولم يُمسّ: {changed}. تعذّر: {failed}.",
           "restore_kept": "التراجع لا يمحو نقص الثقة في المبلّغين.",
           "restore_forgot": "التراجع لا يعيد المبلّغين المنسيّين.",
           "restore_unqueued": "التراجع يحجبها ولا يعيدها إلى قائمة الانتظار.",
           "confirm_note": "تراجع عن تأكيد الحجب"},
    "fr": {"undo": "Annuler", "nothing": "Rien à annuler.",
           "undone_confirm": "Annulé : {id} est de nouveau visible, et ses signalements ne changent rien à la "
                             "confiance accordée à leurs auteurs.",
           "undone_restore": "Annulé : {id} est masquée.",
           "not_undoable": "Pas d'annulation possible : la photo était déjà masquée.",
           "changed": "Rien n'a été annulé : {id} a changé entre-temps.",
           "bulk_undone": "Annulé : {done}. Changées entre-temps, laissées telles quelles : {changed}. "
                          "Échecs : {failed}.",
           "restore_kept": "L'annulation n'efface pas la perte de confiance des signaleurs.",
           "restore_forgot": "L'annulation ne fait pas revenir les signaleurs oubliés.",
           "restore_unqueued": "L'annulation la masque, sans la remettre dans la file.",
           "confirm_note": "Confirmation du masquage annulée"},
    "en": {"undo": "Undo", "nothing": "Nothing to undo.",
           "undone_confirm": "Undone: {id} shows again, and its reports change nobody's trust.",
           "undone_restore": "Undone: {id} is hidden.",
           "not_undoable": "No undo: the photo was already hidden.",
           "changed": "Not undone: {id} changed meanwhile.",
           "bulk_undone": "Undone: {done}. Changed meanwhile, left as they are: {changed}. Failed: {failed}.",
           "restore_kept": "Undoing keeps the reporters' loss of trust.",
           "restore_forgot": "Undoing does not bring the forgotten reporters back.",
           "restore_unqueued": "Undoing hides it; it does not go back to the queue.",
           "confirm_note": "Confirm undone"},
}


# The console's keyboard: each key and what it does (the `?` help).
KEYBOARD = {
    "ar": {"title": "لوحة المفاتيح", "close": "إغلاق", "keys": [
        ["j", "الصورة التالية"], ["k", "الصورة السابقة"], ["v", "أظهر الصورة أو موّهها"],
        ["c", "الإبلاغات صحيحة (ثم Enter للتأكيد)"], ["r", "الصورة سليمة (ثم Enter للتأكيد)"],
        ["a", "افتح المقال"], ["u", "تراجع عن آخر قرار، لثوانٍ قليلة (أو Ctrl+Z)"], ["?", "هذه المساعدة"]]},
    "fr": {"title": "Raccourcis clavier", "close": "Fermer", "keys": [
        ["j", "Photo suivante"], ["k", "Photo précédente"], ["v", "Voir la photo, ou la flouter de nouveau"],
        ["c", "Les signalements sont fondés (puis Entrée pour confirmer)"],
        ["r", "La photo est correcte (puis Entrée pour confirmer)"], ["a", "Ouvrir l'article"],
        ["u", "Annuler la dernière décision, pendant quelques secondes (ou Ctrl+Z)"], ["?", "Cette aide"]]},
    "en": {"title": "Keyboard shortcuts", "close": "Close", "keys": [
        ["j", "Next photo"], ["k", "Previous photo"], ["v", "Show the photo, or blur it again"],
        ["c", "The reports are right (then Enter to confirm)"], ["r", "The photo is fine (then Enter to confirm)"],
        ["a", "Open the article"], ["u", "Undo the last verdict, for a few seconds (or Ctrl+Z)"],
        ["?", "This help"]]},
}
