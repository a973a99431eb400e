//! Near-duplicates in every script: for Chinese, Japanese, Korean, Thai, Arabic, Hebrew,
//! Russian, Hindi and mixed-script text with emoji, a news paragraph (written for this test), a
//! near-copy with two or three words changed, and an unrelated paragraph in the same script. The
//! default near-duplicate preset must join each near-copy to its original and nothing else; the
//! rewrite preset must never join unrelated texts in a language whose stop words it does not
//! know. Run with `--nocapture` to see the measured similarities.

use neardup::shingle::{jaccard, ShingleConfig, Shingler};
use neardup::text::{is_unspaced, normalize, words};
use neardup::{Clusterer, Preset};
use proptest::prelude::*;

/// One script's texts: the original, the edits that make its near-copy, an unrelated text.
struct Case {
    script: &'static str,
    original: &'static str,
    edits: &'static [(&'static str, &'static str)],
    unrelated: &'static str,
}

impl Case {
    fn near_copy(&self) -> String {
        let mut copy = self.original.to_string();
        for (from, to) in self.edits {
            assert!(
                copy.contains(from),
                "{}: {from:?} not in the text",
                self.script
            );
            copy = copy.replacen(from, to, 1);
        }
        copy
    }
}

const CASES: &[Case] = &[
    Case {
        script: "chinese",
        original: "新华社北京三月十二日电 国家统计局今天发布数据显示，今年前两个月全国规模以上工业增加值同比增长百分之七点二，比去年全年加快一点五个百分点。其中，制造业增长百分之八点一，高技术制造业增长百分之十一点三。统计局发言人表示，工业生产稳中有升，市场需求逐步恢复，但外部环境依然复杂严峻，企业经营仍面临不少困难，下一步将继续加大政策支持力度，推动经济持续回升向好。",
        edits: &[("十二日", "十三日"), ("七点二", "七点四"), ("困难", "挑战")],
        unrelated: "本报讯 昨日下午，市气象台发布暴雨橙色预警信号，预计未来六小时内城区及南部山区将出现强降雨，局部地区伴有雷电和短时大风。市防汛办已启动三级应急响应，要求各区做好低洼地段排水和地质灾害隐患点巡查工作，中小学校停课一天。交通部门提醒市民尽量减少外出，驾车途经积水路段时注意安全，公交公司已调整十二条线路的运营时间。",
    },
    Case {
        script: "japanese",
        original: "東京都は十五日、新型の感染症対策として、都内の公立病院に専用の病床を三百床追加すると発表した。知事は記者会見で「医療現場の負担を減らし、必要な人が確実に治療を受けられる体制を整えたい」と述べた。都によると、追加の病床は来月から順次運用を始め、看護師や医師の確保に向けて民間の医療機関とも連携する。費用はおよそ四十億円で、補正予算案に盛り込む方針だ。",
        edits: &[("十五日", "十六日"), ("三百床", "二百床"), ("四十億円", "五十億円")],
        unrelated: "大阪市の動物園で、今年春に生まれたキリンの赤ちゃんが初めて一般に公開された。赤ちゃんは雌で、体の高さはすでに二メートルほどある。飼育員によると、母親のそばを離れずに歩き回り、時々不思議そうに来園者の方を見つめているという。名前は園内の投票で決まる予定で、候補として三つの名前が挙がっている。週末には多くの家族連れが訪れ、写真を撮る姿が見られた。",
    },
    Case {
        script: "korean",
        original: "서울시는 오늘 오전 시청에서 기자회견을 열고 내년부터 시내버스 요금을 이백 원 인상한다고 발표했다. 시는 연료비와 인건비가 크게 오르면서 버스 회사들의 적자가 계속 늘어나고 있어 요금 조정이 불가피하다고 설명했다. 다만 청소년과 어린이 요금은 동결하고 저소득층에게는 교통비 지원을 확대하기로 했다. 시민단체들은 물가 부담이 커지는 상황에서 대중교통 요금까지 오르면 서민들의 생활이 더 어려워질 것이라며 반대 입장을 밝혔다. 시는 다음 달 공청회를 열어 시민들의 의견을 듣고 최종안을 확정할 계획이다. 시의회도 이번 인상안을 놓고 본격적인 심의에 들어갈 예정이라고 관계자는 전했다. 교통 전문가들은 요금 인상과 함께 배차 간격을 줄이고 노선을 개편하는 등 서비스 개선 대책이 반드시 뒤따라야 한다고 지적했다.",
        edits: &[("오늘 오전", "어제 오후"), ("다음 달", "이달 말")],
        unrelated: "부산 해운대 해수욕장이 이번 주말 공식 개장을 앞두고 막바지 준비에 한창이다. 구청은 안전요원 백여 명을 배치하고 해변 곳곳에 응급 구조 장비를 설치했다. 올해는 야간 개장 시간이 한 시간 늘어나 밤 아홉 시까지 물놀이를 즐길 수 있다. 상인들은 관광객이 늘어날 것으로 기대하며 가게를 새로 단장했고, 구청은 쓰레기 무단 투기를 막기 위해 단속을 강화하겠다고 밝혔다.",
    },
    Case {
        script: "thai",
        original: "กรุงเทพมหานครประกาศแผนปรับปรุงทางเท้าทั่วเมืองภายในสามปี โดยจะเริ่มจากถนนสายหลักในเขตชั้นในก่อน ผู้ว่าราชการกล่าวว่าทางเท้าที่ชำรุดเป็นอันตรายต่อผู้สูงอายุและผู้พิการ จึงต้องเร่งแก้ไขโดยเร็ว งบประมาณทั้งหมดประมาณห้าพันล้านบาท และจะเปิดให้ประชาชนแจ้งจุดที่มีปัญหาผ่านแอปพลิเคชันของเมือง",
        edits: &[("สามปี", "สี่ปี"), ("ห้าพัน", "หกพัน"), ("โดยเร็ว", "ทันที")],
        unrelated: "ทีมฟุตบอลทีมชาติไทยเอาชนะคู่แข่งจากเวียดนามสองต่อหนึ่งประตูในการแข่งขันนัดกระชับมิตรเมื่อคืนวันเสาร์ ผู้ฝึกสอนชื่นชมผู้เล่นรุ่นใหม่ที่แสดงฝีมือได้อย่างยอดเยี่ยม แฟนบอลหลายหมื่นคนเดินทางมาให้กำลังใจที่สนามราชมังคลากีฬาสถาน และทีมจะเดินทางไปเก็บตัวฝึกซ้อมที่ต่างประเทศในเดือนหน้า",
    },
    Case {
        script: "arabic",
        original: "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في شمال المدينة بسعة ثلاثمائة سرير، وذلك ضمن خطة الحكومة لتحسين الخدمات الطِّبِّيَّة في المناطق الريفية. وقال الوزير في مؤتمر صحفي إن المستشفى سيضم أقساما متخصصة لأمراض القلب والأطفال والطوارئ، وإنه سيوفر فرص عمل لأكثر من ألف شخص من أبناء المنطقة. وأضاف أن الوزارة تعمل على بناء خمسة مستشفيات أخرى خلال السنوات الثلاث القادمة، مع تدريب الأطباء والممرضين على أحدث الأجهزة الطبية. ورحب السكان بالمشروع الذي انتظروه طويلا، مؤكدين أنهم كانوا يضطرون إلى السفر مسافات طويلة لتلقي العلاج.",
        edits: &[("اليوم عن", "أمس عن"), ("بسعة ثلاثمائة", "بسعة أربعمائة")],
        unrelated: "فاز المنتخب الوطني لكرة القدم على نظيره في مباراة ودية أقيمت مساء أمس على الملعب الدولي بهدفين مقابل هدف واحد. وسجل المهاجم الشاب الهدف الأول في الدقيقة العشرين بعد تمريرة رائعة من خط الوسط، ثم أضاف زميله الهدف الثاني من ركلة جزاء قبل نهاية الشوط الأول. وأشاد المدرب بأداء اللاعبين وقال إن الفريق يستعد جيدا للبطولة القارية التي تنطلق في الصيف المقبل، بينما عبر الجمهور عن سعادته بالفوز الذي جاء بعد سلسلة من النتائج المخيبة.",
    },
    Case {
        script: "hebrew",
        original: "משרד התחבורה הודיע היום כי קו הרכבת החדש בין ירושלים לתל אביב ייפתח לנוסעים בחודש הבא, לאחר שנים של עיכובים. לדברי השר, הנסיעה תארך כשלושים דקות בלבד, והרכבות יצאו כל רבע שעה בשעות העומס. עלות הפרויקט הגיעה לכשבעה מיליארד שקלים, והוא כולל מנהרות וגשרים ארוכים במיוחד. תושבים רבים בירכו על ההחלטה ואמרו כי הקו יקצר מאוד את זמן ההגעה לעבודה, אך ארגוני סביבה מתחו ביקורת על הפגיעה בשטחים הפתוחים לאורך המסלול. המשרד הבטיח לשקם את האזורים שנפגעו במהלך העבודות. בנוסף, תחנות חדשות ייבנו בעתיד ליד מרכזי הערים, כדי לאפשר לתושבים להגיע לרכבת בקלות גם בלי רכב פרטי.",
        edits: &[("כשלושים דקות", "כארבעים דקות"), ("רבע שעה", "חצי שעה")],
        unrelated: "קבוצת הכדורסל של העיר זכתה אמש באליפות המדינה לאחר ניצחון דרמטי בהארכה על יריבתה הוותיקה. הקלע המוביל של הקבוצה קלע שלושים ושתיים נקודות, ובהן סל מכריע בשניות האחרונות של המשחק. אלפי אוהדים חגגו ברחובות עד השעות הקטנות של הלילה, וראש העיר הבטיח לארח את השחקנים בטקס חגיגי בכיכר המרכזית. המאמן אמר כי זו העונה הטובה ביותר בתולדות המועדון וכי הקבוצה כבר מתכוננת לטורניר האירופי.",
    },
    Case {
        script: "russian",
        original: "Правительство Москвы объявило в среду о строительстве трёх новых станций метро на юго-западе города, которые должны открыться до конца следующего года. По словам заместителя мэра, новые станции позволят разгрузить автобусные маршруты и сократят время поездки в центр почти на двадцать минут. Общая стоимость проекта оценивается в сорок миллиардов рублей, работы будут вестись круглосуточно. Жители района приветствовали это решение, однако некоторые выразили беспокойство из-за шума и перекрытия улиц во время строительства. В мэрии пообещали компенсировать неудобства и высадить новые деревья вдоль реконструированных улиц.",
        edits: &[("в среду о", "в четверг о"), ("трёх новых", "четырёх новых")],
        unrelated: "Сборная страны по хоккею одержала победу над командой Финляндии со счётом четыре на два в финале международного турнира, который проходил в Санкт-Петербурге. Главный тренер отметил отличную игру вратаря и молодых нападающих, впервые вызванных в команду. Болельщики заполнили ледовую арену до отказа и поддерживали игроков на протяжении всего матча. После церемонии награждения капитан команды поблагодарил зрителей и пообещал, что в следующем сезоне сборная покажет ещё более яркую игру.",
    },
    Case {
        script: "hindi",
        original: "राज्य सरकार ने आज घोषणा की कि अगले महीने से सभी सरकारी स्कूलों में बच्चों को मुफ्त दोपहर का भोजन दिया जाएगा। शिक्षा मंत्री ने बताया कि इस योजना से लगभग बीस लाख छात्रों को लाभ होगा और इसके लिए पाँच सौ करोड़ रुपये का बजट रखा गया है। उन्होंने कहा कि पौष्टिक भोजन से बच्चों की उपस्थिति बढ़ेगी और पढ़ाई में उनका ध्यान बेहतर होगा। विपक्षी दलों ने योजना का स्वागत किया, लेकिन भोजन की गुणवत्ता पर नज़र रखने के लिए एक स्वतंत्र समिति बनाने की माँग की। सरकार ने कहा कि हर ज़िले में निरीक्षण दल नियुक्त किए जाएँगे।",
        edits: &[("लगभग बीस लाख", "लगभग पच्चीस लाख"), ("पाँच सौ", "छह सौ")],
        unrelated: "भारतीय क्रिकेट टीम ने रविवार को खेले गए तीसरे एकदिवसीय मैच में ऑस्ट्रेलिया को छह विकेट से हराकर श्रृंखला अपने नाम कर ली। युवा बल्लेबाज़ ने शानदार शतक लगाया और कप्तान ने उनकी जमकर तारीफ़ की। गेंदबाज़ों ने भी शुरुआत से ही दबाव बनाए रखा और विपक्षी टीम को बड़ा स्कोर खड़ा नहीं करने दिया। मैदान पर मौजूद हज़ारों दर्शकों ने जीत का जश्न देर रात तक मनाया।",
    },
    Case {
        script: "mixed",
        original: "🚀 Tokyo 東京 startup Hikari ラボ raised ¥2.5 billion in a Series B round led by SoftBank 🎉, the company said on Monday. CEO 田中 Yuki told reporters that the money will fund a new factory in Osaka 大阪 and hiring of 200 engineers over the next two years. «Мы рады», said the Moscow partner, and the Seoul office 서울 사무소 will open in March. 👍 Analysts expect revenue to double by 2026 as demand for its battery chips grows across Asia and Europe, where rivals from Germany and France are building plants of their own.",
        edits: &[("said on Monday", "said on Tuesday"), ("200 engineers", "300 engineers")],
        unrelated: "Der Berliner Zoo 🐼 meldet Nachwuchs: zwei Pandas, 双子 twins, were born on Sunday, keepers said. Their mother Meng Meng 梦梦 is healthy 😊 and the cubs weigh about 150 grams each. Visitors will see them in spring; tickets sold out in minutes, «невероятно», wrote one fan.",
    },
];

fn word5(text: &str) -> Vec<u64> {
    Shingler::new(ShingleConfig::words(5), 42)
        .unwrap()
        .shingle(text)
}

fn char5(text: &str) -> Vec<u64> {
    Shingler::new(ShingleConfig::chars(5), 42)
        .unwrap()
        .shingle(text)
}

#[test]
fn near_copies_are_near_by_construction() {
    for case in CASES {
        let (a, b, u) = (
            word5(case.original),
            word5(&case.near_copy()),
            word5(case.unrelated),
        );
        let (copy, unrelated) = (jaccard(&a, &b), jaccard(&a, &u));
        let chars = jaccard(&char5(case.original), &char5(&case.near_copy()));
        eprintln!(
            "{:>9}: {} tokens; near-copy word 5-gram J = {copy:.3} (char 5-gram {chars:.3}); \
             unrelated J = {unrelated:.3}",
            case.script,
            words(&normalize(case.original)).count()
        );
        assert!(copy >= 0.8, "{}: near-copy J = {copy}", case.script);
        assert!(
            unrelated < 0.05,
            "{}: unrelated J = {unrelated}",
            case.script
        );
    }
}

/// Every script's texts in one batch: each near-copy joins its original, nothing else joins.
#[test]
fn near_duplicate_preset_joins_copies_in_every_script() {
    let mut texts = Vec::new();
    for case in CASES {
        texts.extend([
            case.original.to_string(),
            case.near_copy(),
            case.unrelated.to_string(),
        ]);
    }
    let mut got: Vec<Vec<usize>> = Clusterer::new(Preset::NearDuplicate)
        .cluster(&texts)
        .into_iter()
        .map(|c| c.members)
        .collect();
    got.sort();
    let mut want: Vec<Vec<usize>> = (0..CASES.len())
        .flat_map(|i| [vec![3 * i, 3 * i + 1], vec![3 * i + 2]])
        .collect();
    want.sort();
    assert_eq!(got, want);
}

/// The rewrite preset has English stop words and folds only: on other scripts it works from word
/// rarity alone, and must never join texts of different stories.
#[test]
fn rewrite_preset_never_joins_unrelated_texts_in_any_script() {
    let texts: Vec<&str> = CASES
        .iter()
        .flat_map(|c| [c.original, c.unrelated])
        .collect();
    let clusterer = Clusterer::new(Preset::Rewrite);
    let features = clusterer.features(&texts).unwrap();
    let mut closest = (0.0, 0, 0);
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            let s = features.similarity(i, j).unwrap_or(0.0);
            if s > closest.0 {
                closest = (s, i, j);
            }
        }
    }
    eprintln!("rewrite preset, closest unrelated pair: {closest:?}");
    let clusters = clusterer.cluster_features(&features).unwrap();
    assert_eq!(clusters.len(), texts.len(), "joined unrelated texts");
}

/// Rewrites (same facts, reworded) in Russian and Chinese, among unrelated texts of the same
/// language, one of them on a similar subject.
const REWRITES: &[(&str, &str, &[&str])] = &[
    (
        "russian",
        "Власти Москвы в среду сообщили, что к концу следующего года на юго-западе столицы \
         появятся три новые станции метро. Как пояснил заместитель мэра, поездка до центра станет \
         короче почти на двадцать минут, а нагрузка на автобусные маршруты снизится. Проект \
         обойдётся городу примерно в сорок миллиардов рублей; строители будут работать \
         круглосуточно. Часть жителей района опасается шума и перекрытия улиц, но в мэрии \
         обещают компенсировать неудобства и высадить новые деревья.",
        &[
            "Правительство Санкт-Петербурга объявило во вторник о ремонте двух мостов через Неву, \
             который продлится до конца лета. По словам вице-губернатора, движение транспорта \
             будет частично ограничено, а для пешеходов организуют временные переходы. Стоимость \
             работ составит около трёх миллиардов рублей.",
            "Центральный банк сохранил ключевую ставку на прежнем уровне, сообщила пресс-служба \
             регулятора в пятницу. Аналитики ожидали такого решения из-за замедления инфляции. \
             Председатель банка заявила, что дальнейшие шаги будут зависеть от ситуации в \
             экономике и на рынке труда.",
        ],
    ),
    (
        "chinese",
        "国家统计局周二公布，一至二月全国规模以上工业增加值比上年同期增长百分之七点二，增速较去年\
         全年提高一点五个百分点。制造业增长百分之八点一，其中高技术制造业增速达到百分之十一点三。\
         发言人称，尽管外部环境复杂，企业仍有困难，但工业生产总体稳中有升，政策支持力度还将加大。",
        &[
            "海关总署今天发布数据显示，今年一季度我国货物贸易进出口总值同比增长百分之五，其中出口\
             增长百分之四点九，进口增长百分之五点一。海关发言人表示，外贸运行总体平稳，但仍面临外部\
             需求不足等挑战。",
            "我市第十届马拉松赛昨日鸣枪开跑，来自三十多个国家和地区的两万名选手参加比赛。男子组冠军\
             由肯尼亚选手获得，成绩为两小时零八分，女子组冠军由本地选手摘得。赛事组委会在沿途设置了\
             二十个补给站和医疗点，志愿者超过三千人。",
        ],
    ),
];

#[test]
fn rewrite_preset_on_non_english_rewrites() {
    let clusterer = Clusterer::new(Preset::Rewrite);
    for (language, rewrite, others) in REWRITES {
        let original = CASES
            .iter()
            .find(|c| c.script == *language)
            .map(|c| c.original)
            .unwrap();
        let unrelated = CASES
            .iter()
            .find(|c| c.script == *language)
            .unwrap()
            .unrelated;
        let mut texts = vec![original, *rewrite, unrelated];
        texts.extend(others.iter());
        let features = clusterer.features(&texts).unwrap();
        for j in 1..texts.len() {
            eprintln!(
                "{language}: rewrite similarity of text {j} to the original: {:.3}",
                features.similarity(0, j).unwrap_or(0.0)
            );
        }
        let clusters = clusterer.cluster_features(&features).unwrap();
        for c in &clusters {
            assert!(
                c.members.len() == 1 || c.members.iter().all(|&m| m <= 1),
                "{language}: an unrelated text joined: {:?}",
                c.members
            );
        }
        assert!(
            clusters.iter().any(|c| c.members == [0, 1]),
            "{language}: the rewrite did not join its original"
        );
    }
}

/// Whether each character of `normalized` carries content: a letter or digit, or a combining
/// mark attached to one (directly or through other marks).
fn content_chars(normalized: &str) -> String {
    let mut kept = String::new();
    let mut previous_kept = false;
    for c in normalized.chars() {
        previous_kept = c.is_alphanumeric()
            || (previous_kept && unicode_normalization::char::is_combining_mark(c));
        if previous_kept {
            kept.push(c);
        }
    }
    kept
}

/// Text drawn from many scripts, with marks, joiners, emoji and separators.
const MIXED: &str = "[a-zA-Z0-9 \\-'.,東京日本語のテキストｶﾀｶﾅ가한국어москваёمُحَمَّدשָׁלוֹםกขคัิ่้ๆ\
                     ລາວខ្មែរမြန်हिन्दीज़ँ\u{301}\u{300}\u{200d}\u{fe0f}😀👍🏽]{0,60}";

proptest! {
    /// Tokenization never panics, is deterministic, keeps every character that carries content
    /// in order, gives unspaced letters a token each, and splits nowhere else.
    #[test]
    fn tokens_keep_all_content(text in prop_oneof![MIXED, "\\PC{0,40}", "[ -~]{0,60}"]) {
        let normalized = normalize(&text);
        let tokens: Vec<&str> = words(&normalized).collect();
        prop_assert_eq!(&tokens, &words(&normalized).collect::<Vec<_>>());
        prop_assert_eq!(tokens.concat(), content_chars(&normalized));
        for t in &tokens {
            let first = t.chars().next().unwrap();
            prop_assert!(first.is_alphanumeric(), "{:?} starts with a non-letter", t);
            let letters = t
                .chars()
                .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
                .count();
            if is_unspaced(first) {
                prop_assert!(letters <= 1, "{:?}: unspaced letters are tokens of their own", t);
            } else {
                prop_assert!(t.chars().all(|c| !is_unspaced(c)
                    || unicode_normalization::char::is_combining_mark(c)));
            }
        }
        // Same shingles whether or not the ASCII fast path can be taken (a trailing no-break
        // space moves no token but sends the text down the general path).
        let mut shingler = Shingler::new(ShingleConfig::words(3), 9).unwrap();
        let plain = shingler.shingle(&text);
        prop_assert_eq!(plain, shingler.shingle(&format!("{text}\u{a0}")));
    }
}
