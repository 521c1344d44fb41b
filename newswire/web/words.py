"""The public site's interface words, per interface language: the one catalogue a
translator edits (``i18n.lang`` picks a page's, once per language).

Each language has every key of English's (a test says so); a language with none here gets
the English interface around its own content. Written as each country's news sites word
them, not word for word: ``notice`` keeps its exact meaning in every language (what the
site shows is a shortened part of what subscribers receive through the agency's news flow
system). ``utc`` follows a time in the zone UTC (``02:14 UTC``); ``hijri`` marks a Hijri
year, shown on Arabic pages only. French puts a no-break space before ``:`` and ``;``.
"""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "ar": {
        "language_name": "العربية",
        "skip": "انتقل إلى المحتوى",
        "nav": "التنقل الرئيسي",
        "languages": "اللغات",
        "home": "الرئيسية",
        "news": "الأخبار",
        "latest": "آخر الأخبار",
        "other": "أخبار أخرى",
        "empty": "لا توجد أخبار منشورة بهذه اللغة بعد.",
        "section_empty": "لا توجد أخبار منشورة في هذا الموضوع بهذه اللغة بعد.",
        "older": "أخبار أقدم",
        "subscribe": "اشترك",
        "subscribe_title": "الاشتراك في خدمة الأخبار",
        "notice": "الأخبار المنشورة على هذا الموقع هي اختصار لجزء من الأخبار التي تُعرض"
        " للمشتركين عبر نظام تدفق الأخبار.",
        "notice_more": "للحصول على النص الكامل لهذا الخبر ولسائر أخبار الوكالة:",
        "subscribe_intro": "يتلقى المشتركون من صحف وقنوات تلفزيونية ومواقع إخبارية ومصارف"
        " النص الكامل لكل خبر لحظة نشره، بالصيغ التي تقرؤها أنظمتهم.",
        "subscribe_what": "ما يحصل عليه المشترك",
        "subscribe_full": "النص الكامل للأخبار وتحديثاتها وتصحيحاتها، لا الموجز المنشور هنا.",
        "subscribe_formats": "صيغ IPTC المعيارية: ninjs وNewsML-G2 وNITF، وخلاصات RSS وAtom.",
        "subscribe_channels": "خلاصة سحب، وبث مباشر، وإشعارات ويب (webhooks) موقّعة.",
        "subscribe_how": "كيف تشترك",
        "subscribe_steps": "تواصل معنا وأخبرنا باللغات والموضوعات التي تهمك، فنعدّ لك باقة"
        " ومفتاح وصول إلى واجهة البرمجة.",
        "contact": "للتواصل:",
        "contact_default": "تواصل مع قسم الاشتراكات في الوكالة.",
        "feeds": "الخلاصات",
        "dateline": "مكان الخبر",
        "published": "نُشر",
        "hijri": "هـ",
        "utc": "بتوقيت غرينتش",
        "withdrawn_title": "سُحب هذا الخبر",
        "withdrawn_text": "سحبت الوكالة هذا الخبر، ولم يعد متاحًا.",
        "not_found_title": "الصفحة غير موجودة",
        "not_found_text": "لم نعثر على هذه الصفحة. ربما كان العنوان خاطئًا أو لم يُنشر الخبر بعد.",
        "back_home": "العودة إلى الصفحة الرئيسية",
        "footer": "موجز للأخبار؛ النص الكامل للمشتركين.",
        "credit": "المصدر",
        "named": "في هذا الخبر",
    },
    "en": {
        "language_name": "English",
        "skip": "Skip to content",
        "nav": "Main navigation",
        "languages": "Languages",
        "home": "Home",
        "news": "News",
        "latest": "Latest news",
        "other": "More news",
        "empty": "No news has been published in this language yet.",
        "section_empty": "No news on this subject has been published in this language yet.",
        "older": "Older news",
        "subscribe": "Subscribe",
        "subscribe_title": "Subscribe to the news service",
        "notice": "The news published on this site is a shortened part of what subscribers"
        " receive through the news flow system.",
        "notice_more": "For the full text of this story and of all the agency's news:",
        "subscribe_intro": "Subscribers (newspapers, broadcasters, news portals, banks)"
        " receive the full text of every story the moment it is published, in the formats"
        " their own systems read.",
        "subscribe_what": "What subscribers receive",
        "subscribe_full": "The full text of every story, its updates and corrections, not the"
        " summary shown here.",
        "subscribe_formats": "IPTC standard formats: ninjs, NewsML-G2 and NITF, and RSS and"
        " Atom feeds.",
        "subscribe_channels": "A pull feed, a live stream and signed webhooks.",
        "subscribe_how": "How to subscribe",
        "subscribe_steps": "Contact us with the languages and subjects you need; we set up"
        " a product and an API key for you.",
        "contact": "Contact:",
        "contact_default": "Contact the agency's subscriptions desk.",
        "feeds": "Feeds",
        "dateline": "Dateline",
        "published": "Published",
        "hijri": "AH",
        "utc": "UTC",
        "withdrawn_title": "This story has been withdrawn",
        "withdrawn_text": "The agency has withdrawn this story; it is no longer available.",
        "not_found_title": "Page not found",
        "not_found_text": "We could not find this page. The address may be wrong, or the"
        " story not published yet.",
        "back_home": "Back to the home page",
        "footer": "News summaries; the full text is for subscribers.",
        "credit": "Credit",
        "named": "In this story",
    },
    "tr": {
        "language_name": "Türkçe",
        "skip": "İçeriğe geç",
        "nav": "Ana menü",
        "languages": "Diller",
        "home": "Ana sayfa",
        "news": "Haberler",
        "latest": "Son haberler",
        "other": "Diğer haberler",
        "empty": "Bu dilde henüz yayımlanmış haber yok.",
        "section_empty": "Bu konuda bu dilde henüz yayımlanmış haber yok.",
        "older": "Daha eski haberler",
        "subscribe": "Abone ol",
        "subscribe_title": "Haber servisine abonelik",
        "notice": "Bu sitede yayımlanan haberler, abonelerin haber akış sistemi üzerinden"
        " aldığı haberlerin kısaltılmış bir bölümüdür.",
        "notice_more": "Bu haberin tam metni ve ajansın tüm haberleri için:",
        "subscribe_intro": "Aboneler (gazeteler, televizyon ve radyo kanalları, haber"
        " siteleri, bankalar) her haberin tam metnini yayımlandığı anda, kendi sistemlerinin"
        " okuduğu formatlarda alır.",
        "subscribe_what": "Abonelere sunulanlar",
        "subscribe_full": "Burada gösterilen özet değil, her haberin tam metni,"
        " güncellemeleri ve düzeltmeleri.",
        "subscribe_formats": "IPTC standart formatları: ninjs, NewsML-G2 ve NITF ile RSS ve"
        " Atom beslemeleri.",
        "subscribe_channels": "Çekme (pull) beslemesi, canlı akış ve imzalı webhook"
        " bildirimleri.",
        "subscribe_how": "Nasıl abone olunur",
        "subscribe_steps": "İhtiyaç duyduğunuz dilleri ve konuları bize bildirin; sizin için"
        " bir abonelik paketi ve API anahtarı hazırlayalım.",
        "contact": "İletişim:",
        "contact_default": "Ajansın abonelik birimiyle iletişime geçin.",
        "feeds": "Beslemeler",
        "dateline": "Haber yeri",
        "published": "Yayımlanma",
        "hijri": "H",
        "utc": "GMT",
        "withdrawn_title": "Bu haber geri çekildi",
        "withdrawn_text": "Ajans bu haberi geri çekti; haber artık yayında değil.",
        "not_found_title": "Sayfa bulunamadı",
        "not_found_text": "Bu sayfayı bulamadık. Adres yanlış olabilir ya da haber henüz"
        " yayımlanmamış olabilir.",
        "back_home": "Ana sayfaya dön",
        "footer": "Haber özetleri; tam metin abonelere özeldir.",
        "credit": "Kaynak",
        "named": "Bu haberde",
    },
    "bs": {
        "language_name": "Bosanski",
        "skip": "Preskoči na sadržaj",
        "nav": "Glavna navigacija",
        "languages": "Jezici",
        "home": "Početna",
        "news": "Vijesti",
        "latest": "Najnovije vijesti",
        "other": "Ostale vijesti",
        "empty": "Na ovom jeziku još nema objavljenih vijesti.",
        "section_empty": "Na ovu temu na ovom jeziku još nema objavljenih vijesti.",
        "older": "Starije vijesti",
        "subscribe": "Pretplatite se",
        "subscribe_title": "Pretplata na servis vijesti",
        "notice": "Vijesti objavljene na ovoj stranici skraćeni su dio onoga što pretplatnici"
        " primaju putem sistema toka vijesti.",
        "notice_more": "Za cijeli tekst ove vijesti i sve vijesti agencije:",
        "subscribe_intro": "Pretplatnici (novine, televizijske i radijske kuće, portali,"
        " banke) primaju cijeli tekst svake vijesti u trenutku objave, u formatima koje"
        " čitaju njihovi sistemi.",
        "subscribe_what": "Šta pretplatnici dobijaju",
        "subscribe_full": "Cijeli tekst svake vijesti, njena ažuriranja i ispravke, a ne"
        " sažetak prikazan ovdje.",
        "subscribe_formats": "Standardni IPTC formati: ninjs, NewsML-G2 i NITF, te RSS i Atom"
        " feedovi.",
        "subscribe_channels": "Feed za preuzimanje, prijenos uživo i potpisani webhookovi.",
        "subscribe_how": "Kako se pretplatiti",
        "subscribe_steps": "Javite nam koji su vam jezici i teme potrebni; pripremit ćemo za"
        " vas paket i API ključ.",
        "contact": "Kontakt:",
        "contact_default": "Obratite se službi pretplate agencije.",
        "feeds": "Feedovi",
        "dateline": "Mjesto",
        "published": "Objavljeno",
        "hijri": "h. g.",
        "utc": "GMT",
        "withdrawn_title": "Ova vijest je povučena",
        "withdrawn_text": "Agencija je povukla ovu vijest; više nije dostupna.",
        "not_found_title": "Stranica nije pronađena",
        "not_found_text": "Nismo pronašli ovu stranicu. Adresa je možda pogrešna ili vijest"
        " još nije objavljena.",
        "back_home": "Nazad na početnu stranicu",
        "footer": "Sažeci vijesti; cijeli tekst je za pretplatnike.",
        "credit": "Izvor",
        "named": "U ovoj vijesti",
    },
    "ru": {
        "language_name": "Русский",
        "skip": "Перейти к содержанию",
        "nav": "Главное меню",
        "languages": "Языки",
        "home": "Главная",
        "news": "Новости",
        "latest": "Последние новости",
        "other": "Другие новости",
        "empty": "На этом языке новости пока не опубликованы.",
        "section_empty": "Новости на эту тему на этом языке пока не опубликованы.",
        "older": "Более ранние новости",
        "subscribe": "Подписаться",
        "subscribe_title": "Подписка на новостную ленту",
        "notice": "Новости, опубликованные на этом сайте, — сокращённая часть того, что"
        " подписчики получают через систему новостной ленты.",
        "notice_more": "Полный текст этой новости и все новости агентства:",
        "subscribe_intro": "Подписчики (газеты, теле- и радиокомпании, новостные порталы,"
        " банки) получают полный текст каждой новости в момент её публикации, в форматах,"
        " которые читают их собственные системы.",
        "subscribe_what": "Что получают подписчики",
        "subscribe_full": "Полный текст каждой новости, её обновления и исправления, а не"
        " краткое изложение, как здесь.",
        "subscribe_formats": "Стандартные форматы IPTC: ninjs, NewsML-G2 и NITF, а также"
        " ленты RSS и Atom.",
        "subscribe_channels": "Лента по запросу, поток в реальном времени и подписанные"
        " веб-хуки.",
        "subscribe_how": "Как подписаться",
        "subscribe_steps": "Сообщите нам, какие языки и темы вам нужны, и мы подготовим для"
        " вас пакет и ключ API.",
        "contact": "Контакты:",
        "contact_default": "Обратитесь в отдел подписки агентства.",
        "feeds": "Ленты",
        "dateline": "Место",
        "published": "Опубликовано",
        "hijri": "г. х.",
        "utc": "GMT",
        "withdrawn_title": "Новость отозвана",
        "withdrawn_text": "Агентство отозвало эту новость; она больше недоступна.",
        "not_found_title": "Страница не найдена",
        "not_found_text": "Мы не нашли эту страницу. Возможно, адрес указан неверно или"
        " новость ещё не опубликована.",
        "back_home": "На главную",
        "footer": "Краткие новости; полный текст — для подписчиков.",
        "credit": "Источник",
        "named": "В этом материале",
    },
    "ku": {
        "language_name": "Kurdî",
        "skip": "Here naverokê",
        "nav": "Navîgasyona sereke",
        "languages": "Ziman",
        "home": "Serûpel",
        "news": "Nûçe",
        "latest": "Nûçeyên dawî",
        "other": "Nûçeyên din",
        "empty": "Bi vî zimanî hêj tu nûçe nehatiye weşandin.",
        "section_empty": "Li ser vê mijarê bi vî zimanî hêj tu nûçe nehatiye weşandin.",
        "older": "Nûçeyên kevntir",
        "subscribe": "Bibe abone",
        "subscribe_title": "Abonetiya xizmeta nûçeyan",
        "notice": "Nûçeyên ku li vê malperê têne weşandin, beşeke kurtkirî ya wan nûçeyan e"
        " ku abone bi rêya pergala herikîna nûçeyan distînin.",
        "notice_more": "Ji bo nivîsa tevahî ya vê nûçeyê û hemû nûçeyên ajansê:",
        "subscribe_intro": "Abone (rojname, televizyon û radyo, malperên nûçeyan, bank)"
        " nivîsa tevahî ya her nûçeyê di kêliya weşanê de distînin, bi wan formatan ku"
        " pergalên wan dixwînin.",
        "subscribe_what": "Abone çi distînin",
        "subscribe_full": "Nivîsa tevahî ya her nûçeyê, nûkirin û rastkirinên wê, ne kurteya"
        " ku li vir tê nîşandan.",
        "subscribe_formats": "Formatên standard ên IPTC: ninjs, NewsML-G2 û NITF, û feedên RSS"
        " û Atom.",
        "subscribe_channels": "Feedeke kişandinê (pull), weşaneke zindî û webhookên"
        " îmzekirî.",
        "subscribe_how": "Meriv çawa abone dibe",
        "subscribe_steps": "Ziman û mijarên ku hûn hewce dikin ji me re binivîsin; em ji we"
        " re pakêtek û mifteyeke API amade dikin.",
        "contact": "Têkilî:",
        "contact_default": "Bi beşa abonetiyê ya ajansê re têkilî daynin.",
        "feeds": "Feed",
        "dateline": "Cih",
        "published": "Hate weşandin",
        "hijri": "K",
        "utc": "GMT",
        "withdrawn_title": "Ev nûçe hate vekişandin",
        "withdrawn_text": "Ajansê ev nûçe vekişand; êdî ne berdest e.",
        "not_found_title": "Rûpel nehate dîtin",
        "not_found_text": "Me ev rûpel nedît. Dibe ku navnîşan şaş be, an jî nûçe hêj"
        " nehatibe weşandin.",
        "back_home": "Vegere serûpelê",
        "footer": "Kurteyên nûçeyan; nivîsa tevahî ji bo aboneyan e.",
        "credit": "Çavkanî",
        "named": "Di vê nûçeyê de",
    },
    "fa": {
        "language_name": "فارسی",
        "skip": "رفتن به محتوا",
        "nav": "منوی اصلی",
        "languages": "زبان‌ها",
        "home": "صفحه اصلی",
        "news": "اخبار",
        "latest": "آخرین اخبار",
        "other": "اخبار دیگر",
        "empty": "هنوز خبری به این زبان منتشر نشده است.",
        "section_empty": "هنوز خبری در این موضوع به این زبان منتشر نشده است.",
        "older": "اخبار قدیمی‌تر",
        "subscribe": "اشتراک",
        "subscribe_title": "اشتراک سرویس خبری",
        "notice": "اخبار منتشرشده در این سایت بخشی کوتاه‌شده از اخباری است که مشترکان از"
        " طریق سامانه جریان خبر دریافت می‌کنند.",
        "notice_more": "برای متن کامل این خبر و همه اخبار خبرگزاری:",
        "subscribe_intro": "مشترکان (روزنامه‌ها، شبکه‌های تلویزیونی و رادیویی، پایگاه‌های"
        " خبری و بانک‌ها) متن کامل هر خبر را همان لحظه انتشار، در قالب‌هایی که سامانه‌هایشان"
        " می‌خوانند، دریافت می‌کنند.",
        "subscribe_what": "آنچه مشترکان دریافت می‌کنند",
        "subscribe_full": "متن کامل هر خبر به همراه به‌روزرسانی‌ها و اصلاحیه‌هایش، نه خلاصه‌ای"
        " که اینجا می‌بینید.",
        "subscribe_formats": "قالب‌های استاندارد IPTC: ‏ninjs، NewsML-G2 و NITF، و خوراک‌های"
        " RSS و Atom.",
        "subscribe_channels": "خوراک دریافتی (pull)، پخش زنده و وب‌هوک‌های امضاشده.",
        "subscribe_how": "چگونه مشترک شوید",
        "subscribe_steps": "زبان‌ها و موضوع‌های مورد نیازتان را به ما بگویید تا بسته‌ای و کلید"
        " دسترسی به API برایتان آماده کنیم.",
        "contact": "تماس:",
        "contact_default": "با بخش اشتراک خبرگزاری تماس بگیرید.",
        "feeds": "خوراک‌ها",
        "dateline": "محل خبر",
        "published": "منتشرشده",
        "hijri": "ق",
        "utc": "به وقت گرینویچ",
        "withdrawn_title": "این خبر پس گرفته شد",
        "withdrawn_text": "خبرگزاری این خبر را پس گرفته است و دیگر در دسترس نیست.",
        "not_found_title": "صفحه پیدا نشد",
        "not_found_text": "این صفحه را پیدا نکردیم. شاید نشانی اشتباه باشد یا خبر هنوز منتشر"
        " نشده باشد.",
        "back_home": "بازگشت به صفحه اصلی",
        "footer": "خلاصه اخبار؛ متن کامل ویژه مشترکان است.",
        "credit": "منبع",
        "named": "در این خبر",
    },
    "fr": {
        "language_name": "Français",
        "skip": "Aller au contenu",
        "nav": "Navigation principale",
        "languages": "Langues",
        "home": "Accueil",
        "news": "Actualités",
        "latest": "Dernières actualités",
        "other": "Autres actualités",
        "empty": "Aucune actualité n’a encore été publiée dans cette langue.",
        "section_empty": "Aucune actualité sur ce sujet n’a encore été publiée dans cette langue.",
        "older": "Actualités plus anciennes",
        "subscribe": "S’abonner",
        "subscribe_title": "S’abonner au service d’information",
        "notice": "Les informations publiées sur ce site sont une partie abrégée de ce que"
        " les abonnés reçoivent par le système de flux d’information.",
        "notice_more": "Pour le texte intégral de cette dépêche et de toutes les informations"
        " de l’agence\u00a0:",
        "subscribe_intro": "Les abonnés (journaux, chaînes de télévision et de radio, sites"
        " d’information, banques) reçoivent le texte intégral de chaque dépêche dès sa"
        " publication, dans les formats que lisent leurs propres systèmes.",
        "subscribe_what": "Ce que reçoivent les abonnés",
        "subscribe_full": "Le texte intégral de chaque dépêche, ses mises à jour et ses"
        " corrections, et non le résumé affiché ici.",
        "subscribe_formats": "Les formats standard de l’IPTC\u00a0: ninjs, NewsML-G2 et NITF,"
        " ainsi que des flux RSS et Atom.",
        "subscribe_channels": "Un flux à interroger, un flux en direct et des webhooks"
        " signés.",
        "subscribe_how": "Comment s’abonner",
        "subscribe_steps": "Indiquez-nous les langues et les sujets qui vous intéressent\u00a0;"
        " nous vous préparons une offre et une clé d’API.",
        "contact": "Contact\u00a0:",
        "contact_default": "Contactez le service des abonnements de l’agence.",
        "feeds": "Flux",
        "dateline": "Lieu",
        "published": "Publié",
        "hijri": "H",
        "utc": "UTC",
        "withdrawn_title": "Cette dépêche a été retirée",
        "withdrawn_text": "L’agence a retiré cette dépêche\u00a0; elle n’est plus disponible.",
        "not_found_title": "Page introuvable",
        "not_found_text": "Nous n’avons pas trouvé cette page. L’adresse est peut-être"
        " erronée, ou l’information n’est pas encore publiée.",
        "back_home": "Retour à l’accueil",
        "footer": "Résumés de l’actualité\u00a0; le texte intégral est réservé aux abonnés.",
        "credit": "Crédit",
        "named": "Dans cette dépêche",
    },
    "es": {
        "language_name": "Español",
        "skip": "Saltar al contenido",
        "nav": "Navegación principal",
        "languages": "Idiomas",
        "home": "Portada",
        "news": "Noticias",
        "latest": "Últimas noticias",
        "other": "Más noticias",
        "empty": "Todavía no se han publicado noticias en este idioma.",
        "section_empty": "Todavía no se han publicado noticias sobre este tema en este idioma.",
        "older": "Noticias anteriores",
        "subscribe": "Suscribirse",
        "subscribe_title": "Suscripción al servicio de noticias",
        "notice": "Las noticias publicadas en este sitio son una parte abreviada de lo que"
        " los suscriptores reciben a través del sistema de flujo de noticias.",
        "notice_more": "Para el texto completo de esta noticia y de todas las noticias de la"
        " agencia:",
        "subscribe_intro": "Los suscriptores (periódicos, cadenas de radio y televisión,"
        " portales de noticias, bancos) reciben el texto completo de cada noticia en el"
        " momento de su publicación, en los formatos que leen sus propios sistemas.",
        "subscribe_what": "Qué reciben los suscriptores",
        "subscribe_full": "El texto completo de cada noticia, sus actualizaciones y"
        " correcciones, no el resumen que se muestra aquí.",
        "subscribe_formats": "Formatos estándar de IPTC: ninjs, NewsML-G2 y NITF, y canales"
        " RSS y Atom.",
        "subscribe_channels": "Un canal de consulta (pull), un flujo en directo y webhooks"
        " firmados.",
        "subscribe_how": "Cómo suscribirse",
        "subscribe_steps": "Escríbanos con los idiomas y temas que necesita; le preparamos un"
        " producto y una clave de API.",
        "contact": "Contacto:",
        "contact_default": "Póngase en contacto con el departamento de suscripciones de la"
        " agencia.",
        "feeds": "Canales",
        "dateline": "Lugar",
        "published": "Publicado",
        "hijri": "H",
        "utc": "GMT",
        "withdrawn_title": "Esta noticia ha sido retirada",
        "withdrawn_text": "La agencia ha retirado esta noticia; ya no está disponible.",
        "not_found_title": "Página no encontrada",
        "not_found_text": "No hemos encontrado esta página. Puede que la dirección sea"
        " incorrecta o que la noticia aún no se haya publicado.",
        "back_home": "Volver a la portada",
        "footer": "Resúmenes de noticias; el texto completo es para los suscriptores.",
        "credit": "Fuente",
        "named": "En esta noticia",
    },
    "sq": {
        "language_name": "Shqip",
        "skip": "Kalo te përmbajtja",
        "nav": "Navigimi kryesor",
        "languages": "Gjuhët",
        "home": "Ballina",
        "news": "Lajme",
        "latest": "Lajmet e fundit",
        "other": "Lajme të tjera",
        "empty": "Ende nuk është publikuar asnjë lajm në këtë gjuhë.",
        "section_empty": "Ende nuk është publikuar asnjë lajm për këtë temë në këtë gjuhë.",
        "older": "Lajme më të vjetra",
        "subscribe": "Abonohu",
        "subscribe_title": "Abonimi në shërbimin e lajmeve",
        "notice": "Lajmet e publikuara në këtë faqe janë një pjesë e shkurtuar e asaj që"
        " abonentët marrin përmes sistemit të rrjedhës së lajmeve.",
        "notice_more": "Për tekstin e plotë të këtij lajmi dhe të gjitha lajmet e agjencisë:",
        "subscribe_intro": "Abonentët (gazeta, televizione dhe radio, portale lajmesh, banka)"
        " marrin tekstin e plotë të çdo lajmi në çastin e publikimit, në formatet që lexojnë"
        " sistemet e tyre.",
        "subscribe_what": "Çfarë marrin abonentët",
        "subscribe_full": "Tekstin e plotë të çdo lajmi, përditësimet dhe korrigjimet e tij,"
        " jo përmbledhjen që shfaqet këtu.",
        "subscribe_formats": "Formatet standarde të IPTC: ninjs, NewsML-G2 dhe NITF, si dhe"
        " burime RSS dhe Atom.",
        "subscribe_channels": "Një burim për tërheqje (pull), një transmetim të drejtpërdrejtë"
        " dhe webhook-e të nënshkruara.",
        "subscribe_how": "Si të abonoheni",
        "subscribe_steps": "Na shkruani cilat gjuhë dhe tema ju nevojiten; ne ju përgatisim"
        " një paketë dhe një çelës API.",
        "contact": "Kontakti:",
        "contact_default": "Kontaktoni zyrën e abonimeve të agjencisë.",
        "feeds": "Burime",
        "dateline": "Vendi",
        "published": "Publikuar",
        "hijri": "H",
        "utc": "GMT",
        "withdrawn_title": "Ky lajm është tërhequr",
        "withdrawn_text": "Agjencia e ka tërhequr këtë lajm; ai nuk është më i disponueshëm.",
        "not_found_title": "Faqja nuk u gjet",
        "not_found_text": "Nuk e gjetëm këtë faqe. Adresa mund të jetë e gabuar ose lajmi nuk"
        " është publikuar ende.",
        "back_home": "Kthehu në ballinë",
        "footer": "Përmbledhje lajmesh; teksti i plotë është për abonentët.",
        "credit": "Burimi",
        "named": "Në këtë lajm",
    },
    "mk": {
        "language_name": "Македонски",
        "skip": "Прескокни до содржината",
        "nav": "Главна навигација",
        "languages": "Јазици",
        "home": "Почетна",
        "news": "Вести",
        "latest": "Најнови вести",
        "other": "Други вести",
        "empty": "Сè уште нема објавени вести на овој јазик.",
        "section_empty": "Сè уште нема објавени вести на оваа тема на овој јазик.",
        "older": "Постари вести",
        "subscribe": "Претплати се",
        "subscribe_title": "Претплата на новинскиот сервис",
        "notice": "Вестите објавени на оваа страница се скратен дел од она што"
        " претплатниците го добиваат преку системот за проток на вести.",
        "notice_more": "За целиот текст на оваа вест и за сите вести на агенцијата:",
        "subscribe_intro": "Претплатниците (весници, телевизии и радија, информативни"
        " портали, банки) го добиваат целиот текст на секоја вест во моментот на"
        " објавувањето, во форматите што ги читаат нивните системи.",
        "subscribe_what": "Што добиваат претплатниците",
        "subscribe_full": "Целиот текст на секоја вест, нејзините ажурирања и исправки, а не"
        " резимето прикажано тука.",
        "subscribe_formats": "Стандардни формати на IPTC: ninjs, NewsML-G2 и NITF, како и RSS"
        " и Atom фидови.",
        "subscribe_channels": "Фид за преземање, пренос во живо и потпишани вебкуки"
        " (webhooks).",
        "subscribe_how": "Како да се претплатите",
        "subscribe_steps": "Пишете ни кои јазици и теми ви се потребни; ќе ви подготвиме пакет"
        " и API-клуч.",
        "contact": "Контакт:",
        "contact_default": "Обратете се до одделот за претплата на агенцијата.",
        "feeds": "Фидови",
        "dateline": "Место",
        "published": "Објавено",
        "hijri": "х.",
        "utc": "GMT",
        "withdrawn_title": "Оваа вест е повлечена",
        "withdrawn_text": "Агенцијата ја повлече оваа вест; таа повеќе не е достапна.",
        "not_found_title": "Страницата не е пронајдена",
        "not_found_text": "Не ја најдовме оваа страница. Адресата можеби е погрешна или"
        " вестта сè уште не е објавена.",
        "back_home": "Назад на почетната страница",
        "footer": "Кратки вести; целиот текст е за претплатниците.",
        "credit": "Извор",
        "named": "Во оваа вест",
    },
    "id": {
        "language_name": "Bahasa Indonesia",
        "skip": "Langsung ke konten",
        "nav": "Navigasi utama",
        "languages": "Bahasa",
        "home": "Beranda",
        "news": "Berita",
        "latest": "Berita terkini",
        "other": "Berita lainnya",
        "empty": "Belum ada berita yang diterbitkan dalam bahasa ini.",
        "section_empty": "Belum ada berita tentang topik ini yang diterbitkan dalam bahasa ini.",
        "older": "Berita sebelumnya",
        "subscribe": "Berlangganan",
        "subscribe_title": "Berlangganan layanan berita",
        "notice": "Berita yang diterbitkan di situs ini merupakan sebagian yang diringkas"
        " dari apa yang diterima pelanggan melalui sistem arus berita.",
        "notice_more": "Untuk teks lengkap berita ini dan seluruh berita kantor berita:",
        "subscribe_intro": "Pelanggan (surat kabar, stasiun televisi dan radio, portal berita,"
        " bank) menerima teks lengkap setiap berita begitu diterbitkan, dalam format yang"
        " dibaca sistem mereka sendiri.",
        "subscribe_what": "Yang diterima pelanggan",
        "subscribe_full": "Teks lengkap setiap berita beserta pembaruan dan koreksinya, bukan"
        " ringkasan yang ditampilkan di sini.",
        "subscribe_formats": "Format standar IPTC: ninjs, NewsML-G2 dan NITF, serta feed RSS"
        " dan Atom.",
        "subscribe_channels": "Feed tarik (pull), siaran langsung, dan webhook bertanda"
        " tangan.",
        "subscribe_how": "Cara berlangganan",
        "subscribe_steps": "Hubungi kami dan sebutkan bahasa serta topik yang Anda perlukan;"
        " kami siapkan paket dan kunci API untuk Anda.",
        "contact": "Kontak:",
        "contact_default": "Hubungi bagian langganan kantor berita.",
        "feeds": "Feed",
        "dateline": "Lokasi",
        "published": "Diterbitkan",
        "hijri": "H",
        "utc": "GMT",
        "withdrawn_title": "Berita ini telah ditarik",
        "withdrawn_text": "Kantor berita telah menarik berita ini; berita ini tidak lagi"
        " tersedia.",
        "not_found_title": "Halaman tidak ditemukan",
        "not_found_text": "Kami tidak menemukan halaman ini. Alamatnya mungkin salah, atau"
        " beritanya belum diterbitkan.",
        "back_home": "Kembali ke beranda",
        "footer": "Ringkasan berita; teks lengkap untuk pelanggan.",
        "credit": "Sumber",
        "named": "Dalam berita ini",
    },
    "zh": {
        "language_name": "中文",
        "skip": "跳到主要内容",
        "nav": "主导航",
        "languages": "语言",
        "home": "首页",
        "news": "新闻",
        "latest": "最新新闻",
        "other": "更多新闻",
        "empty": "该语言暂无已发布的新闻。",
        "section_empty": "该语言暂无此主题的已发布新闻。",
        "older": "更早的新闻",
        "subscribe": "订阅",
        "subscribe_title": "订阅新闻服务",
        "notice": "本网站发布的新闻，是订户通过新闻供稿系统所收到内容的一部分，并经过删节。",
        "notice_more": "如需本条新闻全文及本社全部新闻：",
        "subscribe_intro": "订户（报社、广播电视机构、新闻网站、银行）在每条新闻发布的第一时间即可"
        "收到全文，格式可由其自有系统直接读取。",
        "subscribe_what": "订户获得的内容",
        "subscribe_full": "每条新闻的全文及其更新和更正，而非本网站显示的摘要。",
        "subscribe_formats": "IPTC 标准格式：ninjs、NewsML-G2 和 NITF，以及 RSS 和 Atom"
        " 订阅源。",
        "subscribe_channels": "拉取式订阅源、实时推送流和带签名的 Webhook。",
        "subscribe_how": "如何订阅",
        "subscribe_steps": "请告诉我们您需要的语言和主题，我们将为您配置产品套餐和 API 密钥。",
        "contact": "联系方式：",
        "contact_default": "请联系本社订阅部门。",
        "feeds": "订阅源",
        "dateline": "电头",
        "published": "发布",
        "hijri": "伊历",
        "utc": "GMT",
        "withdrawn_title": "本条新闻已撤回",
        "withdrawn_text": "本社已撤回本条新闻，该新闻不再提供。",
        "not_found_title": "页面不存在",
        "not_found_text": "未找到该页面。可能是网址有误，或新闻尚未发布。",
        "back_home": "返回首页",
        "footer": "新闻摘要；全文仅供订户使用。",
        "credit": "来源",
        "named": "本文涉及",
    },
}
"""Interface words by language: Arabic, English, and the languages a news agency of the
region publishes in (Anadolu's: Turkish, Bosnian, Russian, Kurdish in Kurmanji, Persian,
French, Spanish, Albanian, Macedonian, Indonesian, Chinese)."""
