namespace ChurnData;

/// <summary>One row of data/train.csv; the schema in data/train.schema.json says what values are valid.</summary>
public sealed record ChurnRecord(
    long CustomerId,
    int Age,
    string Gender,
    int TenureMonths,
    double MonthlyCharges,
    string Plan,
    string Contract,
    DateOnly SignupDate,
    DateOnly? LastActiveDate,
    int SupportCalls,
    bool Churned);
