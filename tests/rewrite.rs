//! The rewrite preset folds British and American spelling and English inflection through real
//! resources (VarCon and the Snowball stemmer, see `neardup::lang`), on texts written for this
//! test that share no words with the seeds' spelling variants.

use neardup::{Clusterer, Preset};

/// British originals and the same texts in American spelling.
const PAIRS: &[(&str, &str)] = &[
    (
        "The organisation analysed the colour of the tyres at its research centre in Leeds and \
         said grey rubber had worn faster. Its labour costs rose after the licence fee doubled, \
         and the jewellery workshop next door was sold to a catalogue retailer for 4,250,000 \
         pounds. Managers apologised and said they had realised the metre gauge was faulty.",
        "The organization analyzed the color of the tires at its research center in Leeds and \
         said gray rubber had worn faster. Its labor costs rose after the license fee doubled, \
         and the jewelry workshop next door was sold to a catalog retailer for 4,250,000 \
         pounds. Managers apologized and said they had realized the meter gauge was faulty.",
    ),
    (
        "Paediatric surgeons in Glasgow criticised the health board's plan to centralise \
         theatres, saying the manoeuvre would leave sceptical parents driving for hours. The \
         aluminium cladding of the ageing hospital was replaced after mould was found in a \
         storey used for behavioural therapy, a spokeswoman said.",
        "Pediatric surgeons in Glasgow criticized the health board's plan to centralize \
         theaters, saying the maneuver would leave skeptical parents driving for hours. The \
         aluminum cladding of the aging hospital was replaced after mold was found in a \
         story used for behavioral therapy, a spokeswoman said.",
    ),
    (
        "Farmers protested outside the ministry after the favourite harvest festival was \
         cancelled. They said the plough competition had honoured local traditions, and that \
         the fertiliser subsidy, paid by cheque, had been cut without any dialogue with rural \
         councillors, whose offence at the decision was obvious.",
        "Farmers protested outside the ministry after the favorite harvest festival was \
         canceled. They said the plow competition had honored local traditions, and that \
         the fertilizer subsidy, paid by check, had been cut without any dialog with rural \
         councilors, whose offense at the decision was obvious.",
    ),
];

/// A British text and its American spelling are the same text to the rewrite preset.
#[test]
fn british_and_american_spelling_match() {
    let c = Clusterer::new(Preset::Rewrite);
    for (british, american) in PAIRS {
        let s = c.similarity(british, american);
        assert!(s >= 0.9, "{s:.3} for\n{british}\n{american}");
    }
}

/// Inflected forms of the same words meet too (plurals, tenses, -ing forms).
#[test]
fn inflections_match() {
    let c = Clusterer::new(Preset::Rewrite);
    let a = "Regulators investigated the airline's booking systems and fined three carriers \
             for misleading passengers about refunds on cancelled flights to Lisbon.";
    let b = "Regulator investigates airline booking system, fines three carrier over misleading \
             passenger about refund on cancelled flight to Lisbon.";
    let s = c.similarity(a, b);
    assert!(s >= 0.9, "{s:.3}");
}

/// Folding does not make different stories alike: each British text stays far from the
/// other texts' American versions.
#[test]
fn different_texts_stay_apart() {
    let c = Clusterer::new(Preset::Rewrite);
    for (i, (british, _)) in PAIRS.iter().enumerate() {
        for (j, (_, american)) in PAIRS.iter().enumerate() {
            if i != j {
                let s = c.similarity(british, american);
                assert!(s < 0.1, "texts {i} and {j}: {s:.3}");
            }
        }
    }
}
