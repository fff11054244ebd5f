//! Masking tests: each kind and separator, numbers that must stay, properties.

use super::*;

#[track_caller]
fn masked(text: &str) -> String {
    mask(text, &MaskRules::default()).into_owned()
}

/// `text` is masked to `expected`; and the usual invariants hold.
#[track_caller]
fn check(text: &str, expected: &str) {
    check_with(text, &MaskRules::default(), expected);
}

#[track_caller]
fn check_with(text: &str, rules: &MaskRules, expected: &str) {
    let once = mask(text, rules);
    assert_eq!(once, expected, "masking {text:?}");
    assert_eq!(once.chars().count(), text.chars().count(), "char count of {text:?}");
    assert_eq!(matches!(once, Cow::Borrowed(_)), text == expected, "Cow variant for {text:?}");
    let twice = mask(&once, rules);
    assert!(matches!(twice, Cow::Borrowed(_)), "masking is not idempotent: {once:?} -> {twice:?}");
}

#[track_caller]
fn untouched(text: &str) {
    check(text, text);
    assert_eq!(find(text, &MaskRules::default()), vec![], "{text:?}");
}

fn kinds(text: &str) -> Vec<Kind> {
    find(text, &MaskRules::default()).into_iter().map(|f| f.kind).collect()
}

#[test]
fn id_cards() {
    check("张三 身份证110105199001011234 电话13812345678", "张三 身份证110105********1234 电话138****5678");
    check("110105199001011234", "110105********1234");
    check("身份证号：11010519900101123X。", "身份证号：110105********123X。");
    check("身份证号11010519900101123x，", "身份证号110105********123x，");
    // Grouped 6-8-4.
    check("证件 110105 19900101 1234", "证件 110105 ******** 1234");
    check("证件 110105 19900101 123X", "证件 110105 ******** 123X");
    // Old 15-digit ID: first 6 and last 3 shown.
    check("旧证110105900101123", "旧证110105******123");
    // Full-width digits: recognised and masked in place with full-width stars.
    check("身份证１１０１０５１９９００１０１１２３４", "身份证１１０１０５＊＊＊＊＊＊＊＊１２３４");
    assert_eq!(find("身份证110105199001011234号", &MaskRules::default()), vec![Found { kind: Kind::IdCard, range: 9..27 }]);
}

#[test]
fn mobiles() {
    check("电话13812345678", "电话138****5678");
    check("电话：138 1234 5678。", "电话：138 **** 5678。");
    check("电话：138-1234-5678", "电话：138-****-5678");
    check("电话：138\u{3000}1234\u{3000}5678", "电话：138\u{3000}****\u{3000}5678");
    check("+8613812345678", "+86138****5678");
    check("+86 13812345678", "+86 138****5678");
    check("+86-138-1234-5678", "+86-138-****-5678");
    check("+86 138 1234 5678", "+86 138 **** 5678");
    check("（+86）13812345678", "（+86）138****5678");
    check("１９９１２３４５６７８", "１９９＊＊＊＊５６７８");
    // Lists of numbers.
    check("13812345678,13987654321", "138****5678,139****4321");
    check("13812345678、13987654321", "138****5678、139****4321");
    check("13812345678 13987654321", "138****5678 139****4321");
    // In a flattened table row, next to other columns.
    check("张三 138 1234 5678 2", "张三 138 **** 5678 2");
    check("tel:13812345678.", "tel:138****5678.");
    assert_eq!(find("+86 138 1234 5678", &MaskRules::default()), vec![Found { kind: Kind::Mobile, range: 4..17 }]);
}

#[test]
fn bank_cards() {
    check("卡号6222021234567890", "卡号************7890");
    check("卡号6222021234567890123", "卡号***************0123");
    check("卡号6222 0212 3456 7890", "卡号**** **** **** 7890");
    check("卡号6222-0212-3456-7890", "卡号****-****-****-7890");
    check("卡号6222 0212 3456 7890 123", "卡号**** **** **** ***0 123");
    check("卡号4367421234567890", "卡号************7890");
    check("卡号2221001234567890", "卡号************7890");
    check("卡号：６２２２０２１２３４５６７８９０", "卡号：＊＊＊＊＊＊＊＊＊＊＊＊７８９０");
    assert_eq!(kinds("6222021234567890 与 13812345678"), [Kind::BankCard, Kind::Mobile]);
}

#[test]
fn several_kinds_in_running_text() {
    check(
        "户主李四，身份证号码110105198512240021，联系电话139-8765-4321，开户行农商银行，卡号6228 4800 1234 5678 019，补贴1,200.00元。",
        "户主李四，身份证号码110105********0021，联系电话139-****-4321，开户行农商银行，卡号**** **** **** ***8 019，补贴1,200.00元。",
    );
    assert_eq!(
        kinds("户主李四，身份证号码110105198512240021，联系电话139-8765-4321，卡号6228 4800 1234 5678 019"),
        [Kind::IdCard, Kind::Mobile, Kind::BankCard]
    );
}

#[test]
fn numbers_that_stay() {
    for text in [
        "合计128,450.00元",
        "1234567.89",
        "￥3,200",
        "补贴３，２００元",
        "2021-01-04",
        "20210104",
        "2021年1月4日",
        "08:30至17:30",
        "2021-01-04 08:30:00",
        "202101040830",
        "增长12.5%",
        "占50％",
        "人民路128号3栋2单元1201室",
        "拨打12345或0471-12345678或400-123-4567",
        // 11 digits but not a mobile number plan (second digit 2).
        "编号12345678901",
        // 17 digits: not one of the three shapes (an ID has 18, cards here 16 or 19).
        "编号12345678901234567",
        // 20+ digits: not one of the shapes either (e.g. an electronic invoice number).
        "发票号码21112000000012345678",
        "123456789012345678901234",
        // 18 digits starting with 9: no such ID region; a company's credit code.
        "统一社会信用代码911101085923662400",
        // 15 digits that are not a plausible old ID (month 13).
        "编号110105901301123",
        // Bank shapes with a non-card first digit: serials, rows of years.
        "项目编号2021010400000123",
        "2021 2022 2023 2024",
        "1000-2000-3000-4000",
        // Part of a decimal number.
        "13812345678.50",
        "0.1381234567890123",
        "１３８１２３４５６７８．５０",
        "０．１３８１２３４５６７８９０１２３",
        // Digits glued to a longer run stay whole: 12 and 13 digits.
        "138123456789",
        "8613812345678",
        // Already masked.
        "138****5678 110105********1234 **** **** **** 7890",
        "",
        "没有数字",
    ] {
        untouched(text);
    }
}

#[test]
fn partly_masked_numbers_are_masked_fully() {
    check("110105199001****34", "110105**********34");
    check("138123****8", "138*******8");
    // Already masked the same way: nothing to do, nothing reported.
    untouched("110105********123X");
    untouched("＊＊＊＊＊＊＊＊＊＊＊＊７８９０");
    untouched("****************");
}

#[test]
fn idempotent_next_to_what_was_masked() {
    // The 16 digits after the X are a card; the X with its 17 digits (followed by a
    // digit) is not an ID, and must not become one once the card is masked.
    check("62220212345678908X6222021234567890", "62220212345678908X************7890");
    // The shown last group of a card does not start a new card with its neighbours.
    check("6222 0212 3456 7890 1234 5678 9012", "**** **** **** 7890 1234 5678 9012");
    check("+8613812345678", "+86138****5678");
}

#[test]
fn x_must_end_the_word() {
    // "X" followed by letters is a word, not a check char: 17 digits stay.
    untouched("12345678901234567Xyz");
    untouched("1920x1080");
}

#[test]
fn rules_switched_off_leave_that_kind_alone() {
    let text = "身份证110105199001011234 电话13812345678 卡号6222021234567890";
    let no_id = MaskRules { id_card: false, ..MaskRules::default() };
    let no_mobile = MaskRules { mobile: false, ..MaskRules::default() };
    let no_bank = MaskRules { bank_card: false, ..MaskRules::default() };
    check_with(text, &no_id, "身份证110105199001011234 电话138****5678 卡号************7890");
    check_with(text, &no_mobile, "身份证110105********1234 电话13812345678 卡号************7890");
    check_with(text, &no_bank, "身份证110105********1234 电话138****5678 卡号6222021234567890");
    check_with(text, &MaskRules::NONE, text);
    assert!(find(text, &MaskRules::NONE).is_empty());
    assert_eq!(MaskRules::default(), MaskRules { id_card: true, mobile: true, bank_card: true });
    assert_eq!(masked(text), "身份证110105********1234 电话138****5678 卡号************7890");
}

#[test]
fn borrowed_when_nothing_changes() {
    assert!(matches!(mask("公示期7天", &MaskRules::default()), Cow::Borrowed(_)));
    assert!(matches!(mask("电话13812345678", &MaskRules::default()), Cow::Owned(_)));
}

use crate::testutil::Rng;

#[test]
fn property_char_count_and_idempotence() {
    const PIECES: &[&str] = &[
        "1",
        "3",
        "8",
        "6",
        "2",
        "0",
        "9",
        "５",
        "X",
        "．",
        "*",
        "＊",
        " ",
        "-",
        "\u{3000}",
        ".",
        ",",
        "+86",
        "号",
        "电话",
        "13812345678",
        "6222021234567890",
        "110105199001011234",
        "1234",
        "138",
        "2021",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..1000 {
        let text: String = (0..rng.below(30)).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        let once = masked(&text);
        assert_eq!(once.chars().count(), text.chars().count(), "{text:?}");
        for (a, b) in text.chars().zip(once.chars()) {
            assert!(a == b || (digit_value(a).is_some() && matches!(b, '*' | '＊')), "{text:?} -> {once:?}");
        }
        assert_eq!(masked(&once), once, "not idempotent: {text:?}");
        let found = find(&text, &MaskRules::default());
        assert!(found.windows(2).all(|w| w[0].range.end <= w[1].range.start), "{text:?}: {found:?}");
    }
}

#[test]
fn mongolian_digits_in_mn_text_are_masked_like_ascii() {
    // ᠑᠓᠘ = 138: a mobile number written in Mongolian digits inside Mongolian text.
    check("ᠤᠲᠠᠰᠤ ᠑᠓᠘᠑᠒᠓᠔᠕᠖᠗᠘", "ᠤᠲᠠᠰᠤ ᠑᠓᠘＊＊＊＊᠕᠖᠗᠘");
    check("ᠤᠲᠠᠰᠤ 13812345678", "ᠤᠲᠠᠰᠤ 138****5678");
    assert_eq!(kinds("᠑᠑᠐᠑᠐᠕᠑᠙᠙᠐᠐᠑᠐᠑᠑᠒᠓᠔"), vec![Kind::IdCard]);
    // Dates and short numbers stay, as in Chinese text.
    untouched("᠒᠐᠒᠖ ᠣᠨ ᠑᠒ ᠰᠠᠷ᠎ᠠ ᠓᠑");
}
