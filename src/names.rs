//! Network names a board would use: the community each network serves.
//!
//! `N01` ... `N32` mean nothing in a board room, so each network is also named after its community: the
//! place most of its schools share in the table's `city` column, when that is not the district's own main
//! city (a network of San Pedro schools is "San Pedro"); otherwise its largest comprehensive high school
//! ("Crenshaw", from Crenshaw Senior High). Names are a pure function of the table and the assignment, so
//! the same inputs always give the same names; pins and adopted plans override them (`plans`). The short
//! id stays beside the name wherever a table needs a key.

use crate::schools::{Level, School, SchoolTable};
use std::collections::BTreeMap;

/// School models that make a high school a comprehensive one (a community's own), as opposed to an
/// independent charter, continuation, alternative or special-education school.
const COMPREHENSIVE: [&str; 3] = ["traditional", "magnet", "affiliated charter"];

/// A network takes a city's name when at least this share of its schools are in that city.
const CITY_SHARE: f64 = 0.5;

/// The short form of a school name: what follows " at " ("Academy of Medical Arts at Carson High" is at
/// Carson High), without words such as "Senior High" or "Charter" at the end, nor a parenthesis.
pub fn short_school_name(name: &str) -> String {
    let mut s = name.trim();
    if let Some(i) = s.rfind(" at ") {
        s = &s[i + 4..];
    }
    if let Some(i) = s.find(" (") {
        s = &s[..i];
    }
    // "Augustus F. Hawkins High A Critical Design and Gaming" is one academy of Hawkins High.
    if let Some(i) = s.find(" High ") {
        s = &s[..i];
    }
    let mut words: Vec<&str> = s.split_whitespace().collect();
    const ENDINGS: [&str; 12] = [
        "high",
        "senior",
        "school",
        "charter",
        "magnet",
        "complex",
        "academy",
        "center",
        "campus",
        "education",
        "community",
        "learning",
    ];
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| ENDINGS.contains(&w.to_lowercase().trim_end_matches(',')))
    {
        words.pop();
    }
    words.join(" ")
}

/// A name that says "a high school" the way a community's own one is named ("Crenshaw Senior High",
/// "Bell High School"), rather than a school of a subject ("... School of the Arts").
fn named_as_high_school(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    n.ends_with(" high") || n.ends_with(" high school") || n.contains(" high (")
}

/// The community name of each of `k` networks (`school_network[i]` is school `i`'s network), unique.
///
/// Each network has candidates, best first: its city (when most of its schools share one that is not
/// the district's main city), that city with its high school's name ("Carson · Banning"), then its high
/// schools' short names (comprehensive ones named as high schools first, larger first). Where networks
/// want the same name, the one with the strongest claim keeps it (a city over a school; a school named as
/// a high school over one that is not; the larger school) and the others take their next candidate; any
/// left alike when candidates run out are numbered in network order.
pub fn community_names(table: &SchoolTable, school_network: &[usize], k: usize) -> Vec<String> {
    let city_col = table.extra_columns.iter().position(|c| c == "city");
    let city = |s: &School| -> Option<String> {
        city_col
            .and_then(|c| s.extra.get(c))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
    };
    // The city most of `schools` share, with their count (ties to the first by name).
    let commonest = |schools: &mut dyn Iterator<Item = &School>| -> Option<(String, usize)> {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for c in schools.filter_map(city) {
            *count.entry(c).or_default() += 1;
        }
        count
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
    };
    // The district's main city: a network named after it would say nothing.
    let main_city = commonest(&mut table.schools.iter()).map(|(c, _)| c);
    let mut members: Vec<Vec<&School>> = vec![Vec::new(); k];
    for (s, &c) in table.schools.iter().zip(school_network) {
        members[c].push(s);
    }
    // A candidate name and its claim: (kind, strength), compared as a pair.
    type Candidate = (String, (u8, u64));
    let candidates: Vec<Vec<Candidate>> = members
        .iter()
        .map(|m| {
            let mut ranked: Vec<(&School, u8)> = m
                .iter()
                .map(|s| {
                    let comprehensive = COMPREHENSIVE.contains(&s.model.as_str());
                    let rank = match (s.level == Level::High, comprehensive) {
                        (true, true) if named_as_high_school(&s.name) => 3,
                        (true, true) => 2,
                        (true, false) => 1,
                        _ => 0,
                    };
                    (*s, rank)
                })
                .collect();
            ranked.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.0.enrollment.cmp(&a.0.enrollment))
                    .then(a.0.id.cmp(&b.0.id))
            });
            let schools: Vec<Candidate> = ranked
                .iter()
                .take(5)
                .map(|(s, rank)| (short_school_name(&s.name), (*rank, u64::from(s.enrollment))))
                .filter(|(n, _)| !n.is_empty())
                .collect();
            let top = commonest(&mut m.iter().copied()).filter(|(c, n)| {
                Some(c) != main_city.as_ref() && *n as f64 >= CITY_SHARE * m.len() as f64
            });
            let mut out: Vec<Candidate> = Vec::new();
            if let Some((c, n)) = top {
                // The network of the high school the place is named after has the better claim.
                let own = schools.first().is_some_and(|(hs, _)| *hs == c);
                out.push((c.clone(), (5, 2 * n as u64 + u64::from(own))));
                if let Some((hs, claim)) = schools.first().filter(|(hs, _)| *hs != c) {
                    out.push((format!("{c} · {hs}"), (4, claim.1)));
                }
            }
            for cand in schools {
                if !out.iter().any(|(n, _)| *n == cand.0) {
                    out.push(cand);
                }
            }
            out
        })
        .collect();
    let mut at = vec![0usize; k];
    let current = |c: usize, at: &[usize]| candidates[c].get(at[c]);
    // Each round moves at least one network one candidate on, so this ends.
    loop {
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for c in 0..k {
            if let Some((name, _)) = current(c, &at) {
                by_name.entry(name.as_str()).or_default().push(c);
            }
        }
        let mut moved = false;
        for wanting in by_name.values().filter(|w| w.len() > 1) {
            let winner = *wanting
                .iter()
                .max_by(|&&a, &&b| {
                    let claim = |c: usize| current(c, &at).map(|x| x.1);
                    claim(a).cmp(&claim(b)).then(b.cmp(&a))
                })
                .expect("two or more");
            for &c in wanting {
                if c != winner && at[c] + 1 < candidates[c].len() {
                    at[c] += 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    let mut names: Vec<String> = (0..k)
        .map(|c| {
            current(c, &at)
                .map(|x| x.0.clone())
                .unwrap_or_else(|| format!("Network {}", c + 1))
        })
        .collect();
    // Any still alike are numbered, in network order.
    let alike = names.clone();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in names.iter_mut() {
        if alike.iter().filter(|x| *x == name).count() > 1 {
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            *name = format!("{name} {n}");
        }
    }
    names
}

/// The names of a plan's networks: `kept` names (an adopted plan's, or pins', by network index) first,
/// the community names for the rest, numbered where a community name is already taken.
pub fn network_names(
    table: &SchoolTable,
    school_network: &[usize],
    kept: &[Option<String>],
) -> Vec<String> {
    let k = kept.len();
    let community = community_names(table, school_network, k);
    let mut taken: std::collections::BTreeSet<String> = kept.iter().flatten().cloned().collect();
    (0..k)
        .map(|c| match &kept[c] {
            Some(name) => name.clone(),
            None => {
                let base = community[c].clone();
                let mut name = base.clone();
                let mut n = 1;
                while taken.contains(&name) {
                    n += 1;
                    name = format!("{base} {n}");
                }
                taken.insert(name.clone());
                name
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_names_shorten_to_what_people_say() {
        assert_eq!(short_school_name("Crenshaw Senior High"), "Crenshaw");
        assert_eq!(
            short_school_name("Ulysses S. Grant Senior High"),
            "Ulysses S. Grant"
        );
        assert_eq!(
            short_school_name("Academy of Medical Arts at Carson High"),
            "Carson"
        );
        assert_eq!(
            short_school_name("Granada Hills Charter High"),
            "Granada Hills"
        );
        assert_eq!(
            short_school_name("Ellington (Duke) High (Continuation)"),
            "Ellington"
        );
        assert_eq!(short_school_name("High"), "High");
        assert_eq!(
            short_school_name("Augustus F. Hawkins High A Critical Design and Gaming"),
            "Augustus F. Hawkins"
        );
        assert_eq!(short_school_name("Santee Education Complex"), "Santee");
    }

    #[test]
    fn networks_take_a_city_or_their_high_school_and_stay_unique() {
        let mut text = crate::schools::COLUMNS.join(",");
        text.push_str(",city");
        // Network 0: three San Pedro schools; 1 and 2: Los Angeles schools with their own high schools;
        // 3: two Carson schools and 4: three Carson schools, which then add their high schools' names.
        let rows = [
            ("a", "San Pedro Senior High", "high", 0, "San Pedro"),
            ("b", "Dana Middle", "middle", 0, "San Pedro"),
            ("c", "Point Fermin Elementary", "elementary", 0, "San Pedro"),
            ("d", "Crenshaw Senior High", "high", 1, "Los Angeles"),
            ("e", "Small Elementary", "elementary", 1, "Los Angeles"),
            (
                "f",
                "Thomas Jefferson Senior High",
                "high",
                2,
                "Los Angeles",
            ),
            ("g", "Carson Senior High", "high", 3, "Carson"),
            ("h", "Carson Street Elementary", "elementary", 3, "Carson"),
            ("i", "Banning Senior High", "high", 4, "Carson"),
            ("j", "Other Elementary", "elementary", 4, "Carson"),
            (
                "k",
                "Los Angeles Elementary",
                "elementary",
                2,
                "Los Angeles",
            ),
            ("l", "LA Elementary 2", "elementary", 2, "Los Angeles"),
        ];
        let mut assignment = Vec::new();
        for (id, name, level, net, city) in rows {
            text.push_str(&format!(
                "\n{id},{name},34.0,-118.0,100,{level},K,5,traditional,no,no,,,,,,,,,,,,,,,,{city}"
            ));
            assignment.push(net);
        }
        let table = crate::schools::read_table("t", text.as_bytes()).unwrap();
        let names = community_names(&table, &assignment, 5);
        assert_eq!(
            names,
            [
                "San Pedro",
                "Crenshaw",
                "Thomas Jefferson",
                "Carson",
                "Carson · Banning"
            ]
        );
    }
}
