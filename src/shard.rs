//! Shards of an organisation: `--shard K/N` takes the accounts whose id hashes to K modulo N,
//! so N jobs collect disjoint subsets that together cover every account, whatever the order
//! or number of accounts Organizations lists.

use sha2::{Digest, Sha256};

/// Shard K of N (0 ≤ K < N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not K/N (e.g. 0/4)"))?;
        let index: u32 = index
            .trim()
            .parse()
            .map_err(|_| format!("{index:?} is not a shard number"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{count:?} is not a shard count"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: K must be below N, and N at least 1"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the account belongs to this shard (a stable hash: SHA-256 of the id).
    pub fn contains(&self, account_id: &str) -> bool {
        let digest = Sha256::digest(account_id.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(head) % u64::from(self.count) == u64::from(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_every_account() {
        let accounts: Vec<String> = (0..1000)
            .map(|i| format!("{:012}", 100_000_000_000u64 + i * 7919))
            .collect();
        let shards: Vec<Shard> = (0..4).map(|index| Shard { index, count: 4 }).collect();
        for account in &accounts {
            assert_eq!(shards.iter().filter(|s| s.contains(account)).count(), 1, "{account}");
        }
        // Roughly even: no shard is empty or holds most accounts.
        for shard in &shards {
            let held = accounts.iter().filter(|a| shard.contains(a)).count();
            assert!((150..350).contains(&held), "shard {} holds {held}", shard.index);
        }
    }

    #[test]
    fn bad_shards_are_refused() {
        assert_eq!(Shard::parse("1/4"), Ok(Shard { index: 1, count: 4 }));
        for text in ["4/4", "0/0", "x/2", "3", "-1/2"] {
            assert!(Shard::parse(text).is_err(), "{text}");
        }
    }
}
