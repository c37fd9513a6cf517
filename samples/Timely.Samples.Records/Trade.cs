namespace Timely.Samples.Records;

/// <summary>
/// A trade as a user would declare it: a record with a nested record, a list, a tuple, an enum
/// and nullable members. It crosses workers through <c>Exchange</c>, so the codec generator
/// writes its codec (and its venue's): fields in declaration order, as bincode writes a Rust
/// struct; <c>Venue?</c> and <c>string?</c> as Options.
/// </summary>
public sealed record Trade(
    ulong Id,
    string Symbol,
    double Price,
    int Quantity,
    Side Side,
    List<string> Tags,
    Venue? Venue,
    (string Desk, long Book) Owner,
    string? Note);
