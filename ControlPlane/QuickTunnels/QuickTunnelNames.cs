using System.Security.Cryptography;

namespace Tunnel.ControlPlane.QuickTunnels;

/// <summary>Readable random names for quick tunnels: adjective-animal-NNNN, about 23 million of them.</summary>
public static class QuickTunnelNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "cosy", "crisp", "eager", "fancy", "fast", "fresh", "gentle", "glad", "golden", "grand",
        "happy", "jolly", "keen", "kind", "lively", "lucky", "merry", "mighty", "neat", "nimble", "noble", "plain", "proud", "quick", "quiet", "rapid",
        "royal", "rustic", "shiny", "silver", "sleek", "smart", "snowy", "sunny", "swift", "tidy", "vivid", "warm", "wise", "witty", "young", "zesty",
    ];

    private static readonly string[] Animals =
    [
        "badger", "bear", "beaver", "bison", "cat", "crane", "deer", "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "goat", "heron",
        "horse", "ibis", "koala", "lark", "lemur", "lion", "llama", "lynx", "marten", "mole", "moose", "newt", "otter", "owl", "panda", "puffin",
        "quail", "rabbit", "raven", "robin", "seal", "shrew", "sloth", "stoat", "swan", "tapir", "tiger", "toad", "trout", "whale", "wolf", "yak",
    ];

    public static string Next() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}-{Animals[RandomNumberGenerator.GetInt32(Animals.Length)]}-{RandomNumberGenerator.GetInt32(10_000):D4}";
}
