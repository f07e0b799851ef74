using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// Places a row of a Parquet row group: the file, the row group and the 0-based row within the file. Parquet has no
/// lines or byte offsets. Record is 1-based within the batch, like the CSV locator's: the merger adds the records of
/// the batches (and files) before it, which makes it the 1-based record number within the dataset.
/// </summary>
internal sealed class ParquetRowLocator(string file, int rowGroup, long firstRowInFile) : IRowLocator
{
    public DataLocation Locate(int row, int dataColumn) =>
        new(file, Line: 0, Column: 0, ByteOffset: -1, Record: row + 1, RowGroup: rowGroup, Row: firstRowInFile + row);
}
