DROP TABLE communications;
