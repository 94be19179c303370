-- AlterTable
ALTER TABLE "BackupSet" ADD COLUMN "lastDrillSuccessAt" DATETIME;

